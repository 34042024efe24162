"""Draw the images of the test projects in tests/projects/ with Pillow.

Run by a developer when an image has to change: `.venv/bin/python tests/projects/make_images.py`.
The images are committed, so the projects work without running this. They are drawn shapes and
letters, not photographs: no real place, person or logo is shown.

The set covers what the image code has to cope with: JPEG and PNG photos, a JPEG stored on its
side with EXIF orientation 6 (shown upright only if the orientation is applied), a portrait-format
photo, a photo smaller than any display width, a file name with an umlaut, transparent PNG logos,
and body images wider than twice the email's column (the email asks for 1104 px wide renditions
that no page of the site shows).
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
MEDIA = HERE / "zukunftswerkstatt" / "content" / "media"
ORIENTATION = 0x0112
TEAL, ORANGE, SAND, PLUM, MOSS, SKY = "#00796b", "#e65100", "#f4e3c1", "#6a1b9a", "#558b2f", "#b3e5fc"
CLOTHES = [TEAL, ORANGE, PLUM, MOSS, "#1565c0", "#ad1457", "#4e342e", "#f9a825"]


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:  # DejaVu has every German letter; Pillow's built-in font lacks umlauts
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def label(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill: str = "white") -> None:
    x, y = xy
    box = draw.textbbox((x, y), text, font=font(size), anchor="lm")
    draw.rounded_rectangle((box[0] - 12, box[1] - 8, box[2] + 12, box[3] + 8), radius=10, fill="#263238")
    draw.text((x, y), text, font=font(size), fill=fill, anchor="lm")


def people(draw: ImageDraw.ImageDraw, rnd: random.Random, w: int, y: int, count: int, r: int) -> None:
    for i in range(count):
        x = int((i + 0.5) * w / count + rnd.randint(-r // 2, r // 2))
        draw.ellipse((x - r, y - 2 * r, x + r, y), fill=rnd.choice(["#ffcc80", "#a1887f", "#8d6e63", "#ffe0b2"]))
        body = (x - int(1.5 * r), y + 6, x + int(1.5 * r), y + int(3.6 * r))
        draw.rounded_rectangle(body, radius=r, fill=rnd.choice(CLOTHES))


def save_jpeg(img: Image.Image, path: Path, quality: int = 72, **extra: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.convert("RGB").save(path, "JPEG", quality=quality, optimize=True, progressive=True, **extra)


def save_png(img: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG", optimize=True)


def hall(path: Path, seed: int, text: str, size: tuple[int, int] = (1200, 750)) -> None:
    """A room full of people: the evening in the council chamber."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size, SAND)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, int(h * 0.7), w, h), fill="#795548")
    for i in range(5):  # tall windows of the old town hall
        x = 80 + i * (w - 160) // 5
        draw.rounded_rectangle((x, 50, x + 120, 300), radius=60, fill=SKY, outline="#5d4037", width=6)
    for row in range(3):
        people(draw, rnd, w, int(h * (0.48 + row * 0.13)), 7 + row, 26 + row * 6)
    label(draw, (40, h - 50), text, 34)
    save_jpeg(img, path)


def market(size: tuple[int, int], seed: int, text: str) -> Image.Image:
    """Market stalls with pin boards: the ideas market."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size, SKY)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, int(h * 0.65), w, h), fill="#bdbdbd")
    for i in range(4):
        x = 40 + i * (w - 80) // 4
        colour = CLOTHES[i]
        draw.polygon([(x, 260), (x + 130, 180), (x + 260, 260)], fill=colour)
        draw.rectangle((x + 20, 260, x + 240, 470), fill="white", outline=colour, width=5)
        for _ in range(6):  # notes on the pin board
            nx, ny = x + rnd.randint(30, 200), rnd.randint(275, 430)
            draw.rectangle((nx, ny, nx + 30, ny + 26), fill=rnd.choice(["#fff59d", "#ffab91", "#a5d6a7", "#90caf9"]))
    people(draw, rnd, w, int(h * 0.9), 6, 24)
    draw.text((w // 2, 90), text, font=font(60), fill="#263238", anchor="mm")
    return img


def workshop(path: Path, seed: int, text: str) -> None:
    """A table with a cardboard model of the town centre."""
    rnd = random.Random(seed)
    w, h = 1200, 800
    img = Image.new("RGB", (w, h), "#eceff1")
    draw = ImageDraw.Draw(img)
    draw.ellipse((120, 300, 1080, 760), fill="#a1887f")
    for _ in range(14):  # houses of the model
        x, y = rnd.randint(260, 880), rnd.randint(380, 620)
        draw.rectangle((x, y, x + 60, y + 50), fill="white", outline="#424242", width=3)
        draw.polygon([(x - 6, y), (x + 30, y - 30), (x + 66, y)], fill=ORANGE)
    people(draw, rnd, w, 250, 5, 34)
    label(draw, (40, 60), text, 34)
    save_jpeg(img, path)


def tower(path: Path) -> None:
    """Portrait format: the town hall tower against the sky."""
    w, h = 640, 960
    img = Image.new("RGB", (w, h), SKY)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 820, w, h), fill=MOSS)
    draw.rectangle((220, 260, 420, 840), fill="#d7ccc8", outline="#5d4037", width=6)
    draw.polygon([(200, 262), (320, 60), (440, 262)], fill="#37474f")
    draw.ellipse((270, 320, 370, 420), fill="white", outline="#263238", width=6)  # the clock
    draw.line((320, 370, 320, 335), fill="#263238", width=6)
    draw.line((320, 370, 350, 370), fill="#263238", width=6)
    for y in (480, 600, 720):
        draw.rounded_rectangle((285, y, 355, y + 80), radius=30, fill=SKY, outline="#5d4037", width=4)
    label(draw, (30, 910), "Altes Rathaus", 30)
    save_jpeg(img, path, quality=70)


def bikes(path: Path) -> None:
    """Small on purpose (smaller than any width a page or email shows it at)."""
    img = Image.new("RGB", (180, 120), "#c8e6c9")
    draw = ImageDraw.Draw(img)
    draw.line((0, 95, 180, 95), fill="#616161", width=4)
    for x in (35, 115):
        draw.ellipse((x - 22, 60, x + 22, 104), outline="#263238", width=4)
        draw.ellipse((x + 18, 60, x + 62, 104), outline="#263238", width=4)
        draw.line((x, 82, x + 20, 55, x + 40, 82), fill=ORANGE, width=4)
    draw.text((90, 22), "Radtour", font=font(22), fill="#263238", anchor="mm")
    save_jpeg(img, path, quality=80)


def plan(path: Path) -> None:
    """A PNG photo: the sketch plan of the town centre, flat colours as a scan would have. Wider
    than an email's column shows twice (1104 px), so the email asks for a rendition of its own."""
    w, h = 1200, 800
    img = Image.new("RGB", (w, h), "#fffde7")
    draw = ImageDraw.Draw(img)
    draw.line((0, 400, w, 373), fill="#9e9e9e", width=52)  # Hauptstraße
    draw.line((600, 0, 573, h), fill="#9e9e9e", width=40)
    draw.rectangle((640, 427, 933, 640), fill="#c5e1a5", outline=MOSS, width=5)  # Marktplatz
    draw.ellipse((160, 480, 400, 693), fill="#81d4fa", outline="#0277bd", width=5)  # Mühlteich
    for x, y in ((160, 107), (333, 160), (747, 120), (933, 200), (1013, 533)):
        draw.rectangle((x, y, x + 120, y + 93), fill="#ffccbc", outline="#bf360c", width=4)
    draw.text((787, 533), "Markt", font=font(40), fill="#33691e", anchor="mm")
    draw.text((280, 587), "Mühlteich", font=font(34), fill="#01579b", anchor="mm")
    draw.text((w // 2, 53), "Entwurf Ortsmitte – Variante B", font=font(42), fill="#263238", anchor="mm")
    save_png(img, path)


def trees(path: Path) -> None:
    rnd = random.Random(7)
    w, h = 1000, 640
    img = Image.new("RGB", (w, h), "#e1f5fe")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 460, w, h), fill="#8d6e63")
    for i in range(6):
        x = 90 + i * 160
        draw.rectangle((x - 8, 300, x + 8, 470), fill="#5d4037")
        r = rnd.randint(60, 90)
        draw.ellipse((x - r, 300 - 2 * r + 40, x + r, 340), fill=rnd.choice([MOSS, "#7cb342", "#33691e"]))
    people(draw, rnd, w, 560, 5, 22)
    label(draw, (30, 40), "Zukunftsbäume", 32)
    save_jpeg(img, path)


def portrait(path: Path, initials: str, colour: str, png: bool = False) -> None:
    img = Image.new("RGB", (400, 400), colour)
    draw = ImageDraw.Draw(img)
    draw.ellipse((120, 60, 280, 220), fill="#ffe0b2")
    draw.rounded_rectangle((70, 240, 330, 470), radius=100, fill="#fafafa")
    draw.text((200, 340), initials, font=font(80), fill=colour, anchor="mm")
    if png:
        save_png(img.quantize(32), path)
    else:
        save_jpeg(img, path, quality=75)


def duo(path: Path) -> None:
    """Two people side by side, for a statement two people give together."""
    img = Image.new("RGB", (600, 400), PLUM)
    draw = ImageDraw.Draw(img)
    for x, skin in ((190, "#ffcc80"), (410, "#8d6e63")):
        draw.ellipse((x - 70, 70, x + 70, 210), fill=skin)
        draw.rounded_rectangle((x - 110, 230, x + 110, 460), radius=90, fill="#fafafa")
    save_jpeg(img, path, quality=75)


def logo(path: Path, text: str, colour: str, shape: str) -> None:
    lines = text.split("\n")
    img = Image.new("RGBA", (440, 140), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    if shape == "circle":
        draw.ellipse((8, 10, 128, 130), fill=colour)
    elif shape == "leaf":
        draw.polygon([(10, 120), (68, 10), (126, 120)], fill=colour)
    else:
        draw.rounded_rectangle((8, 10, 128, 130), radius=20, fill=colour)
    draw.text((68, 78), text[0], font=font(64), fill="white", anchor="mm")
    for i, line in enumerate(lines):
        draw.text((146, 70 + (i - (len(lines) - 1) / 2) * 40), line, font=font(32), fill=colour, anchor="lm")
    save_png(img, path)


def sign(path: Path) -> None:
    """The square sign of the town's process: header, favicon."""
    img = Image.new("RGBA", (128, 128), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((4, 4, 124, 124), fill="white")
    draw.ellipse((14, 14, 114, 114), fill=TEAL)
    draw.text((64, 66), "H", font=font(66), fill="white", anchor="mm")
    save_png(img, path)


def main() -> None:
    fotos, personen, logos = MEDIA / "fotos", MEDIA / "personen", MEDIA / "logos"
    hall(fotos / "2027-02-03-auftaktabend.jpg", 11, "Auftaktabend im Ratssaal")
    # Stored on its side: the pixels are turned a quarter to the left, EXIF orientation 6 turns
    # them back. A viewer that ignores the orientation shows the market lying on its side.
    upright = market((1200, 800), 12, "Ideenmarkt")
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    save_jpeg(sideways, fotos / "2027-03-06-ideenmarkt-gedreht.jpg", exif=exif.tobytes())
    workshop(fotos / "2027-03-24-werkstatt-modell.jpg", 13, "Werkstattwoche: Modell der Ortsmitte")
    tower(fotos / "2027-04-rathausturm-hochformat.jpg")
    bikes(fotos / "2027-05-radtour-klein.jpg")
    plan(fotos / "plan-ortsmitte-variante-b.png")
    trees(fotos / "2027-06-zukunftsbäume.jpg")
    portrait(personen / "greta-hollmann.jpg", "GH", TEAL)
    portrait(personen / "selin-arslan.png", "SA", ORANGE, png=True)
    portrait(personen / "friedhelm-strauss.jpg", "FS", "#4e342e")
    portrait(personen / "jakob-ostermeier.jpg", "JO", PLUM)
    portrait(personen / "marlene-voigt-okafor.jpg", "MV", "#1565c0")
    duo(personen / "jugendbeirat-duo.jpg")
    sign(logos / "hollerbrueck-zeichen.png")
    logo(logos / "hollerbrueck-morgen.png", "Hollerbrück\nmorgen", TEAL, "circle")
    logo(logos / "stiftung-kleinstadt.png", "Stiftung\nLebendige Kleinstadt", ORANGE, "square")
    logo(logos / "landesprogramm.png", "Landesprogramm\nOrtsmitten stärken", "#1565c0", "square")
    logo(logos / "querfeld.png", "Querfeld\nPlanung & Dialog", MOSS, "leaf")


if __name__ == "__main__":
    main()
