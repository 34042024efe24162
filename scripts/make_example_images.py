"""Draw the example content's images (illustrations, portraits, logos) with Pillow.

Run once by a developer: `python scripts/make_example_images.py`. The images are
committed; they are drawn, not photographed, so no one's likeness or rights are involved.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MEDIA = Path(__file__).resolve().parent.parent / "content" / "media"
PALETTE = ["#3949ab", "#00897b", "#f9a825", "#d84315", "#6d4c41", "#5e35b1", "#c2185b", "#2e7d32"]


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:  # Debian's fonts-dejavu-core has every German letter; Pillow's built-in font lacks umlauts
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def scene(path: Path, seed: int, people: int, room: str, size: tuple[int, int] = (1600, 1000)) -> None:
    """A group of stylised people in a room: a stand-in for an event photo."""
    rnd = random.Random(seed)
    img = Image.new("RGB", size, room)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((0, int(h * 0.72), w, h), fill="#8d6e63")  # floor
    for _ in range(6):  # windows
        x = rnd.randint(0, w - 200)
        draw.rectangle((x, 60, x + 160, 320), fill="#e3f2fd", outline="#90a4ae", width=6)
    rows = 3
    for row in range(rows):
        count = people // rows + (1 if row < people % rows else 0)
        y = int(h * (0.42 + row * 0.14))
        scale = 0.8 + row * 0.15
        for i in range(count):
            x = int((i + 0.5) * w / count + rnd.randint(-20, 20))
            r = int(42 * scale)
            colour = rnd.choice(PALETTE)
            draw.ellipse((x - r, y - 2 * r, x + r, y), fill="#ffcc80" if rnd.random() < 0.5 else "#a1887f")
            draw.rounded_rectangle((x - int(1.6 * r), y + 8, x + int(1.6 * r), y + int(4 * r)), radius=r, fill=colour)
    img.save(path, "JPEG", quality=78, optimize=True, progressive=True)


def portrait(path: Path, initials: str, colour: str) -> None:
    img = Image.new("RGB", (480, 480), colour)
    draw = ImageDraw.Draw(img)
    draw.ellipse((140, 70, 340, 270), fill="#ffe0b2")
    draw.rounded_rectangle((80, 290, 400, 560), radius=120, fill="#eceff1")
    draw.text((240, 420), initials, font=font(96), fill=colour, anchor="mm")
    img.save(path, "JPEG", quality=80, optimize=True)


def logo(path: Path, text: str, colour: str) -> None:
    """The sign with the organisation's name beside it; as wide as the longest line needs."""
    lines = text.split("\n")
    measure = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    width = 146 + max(round(measure.textlength(line, font=font(38))) for line in lines) + 20
    img = Image.new("RGBA", (width, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((4, 20, 124, 140), radius=24, fill=colour)
    draw.text((64, 80), text[0], font=font(80), fill="white", anchor="mm")
    for i, line in enumerate(lines):
        draw.text((146, 80 + (i - (len(lines) - 1) / 2) * 44), line, font=font(38), fill=colour, anchor="lm")
    img.save(path, "PNG", optimize=True)


def mark(path: Path, colour: str) -> None:
    """The square sign of the process, for the site's header and favicon."""
    img = Image.new("RGBA", (128, 128), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((4, 4, 124, 124), radius=24, fill="white")
    draw.rounded_rectangle((16, 16, 112, 112), radius=18, fill=colour)
    draw.text((64, 66), "Z", font=font(72), fill="white", anchor="mm")
    img.save(path, "PNG", optimize=True)


def main() -> None:
    (MEDIA / "personen").mkdir(parents=True, exist_ok=True)
    (MEDIA / "logos").mkdir(parents=True, exist_ok=True)
    scene(MEDIA / "2026-06-13-kreativgruppe.jpg", 1, 14, "#eceff1")
    scene(MEDIA / "2026-05-26-auftakt-schwaan.jpg", 2, 22, "#fff8e1", (1400, 900))
    scene(MEDIA / "2026-05-26-zukunftsbild-knete.jpg", 3, 6, "#e8f5e9", (1200, 800))
    scene(MEDIA / "2026-09-25-regionalkonferenz-gelbensande.jpg", 4, 18, "#f3e5f5", (1400, 900))
    scene(MEDIA / "2026-10-23-regionalkonferenz-elmenhorst.jpg", 5, 16, "#e0f7fa", (1400, 900))
    people = {
        "anna-muster": ("AM", "#3949ab"), "tom-beispiel": ("TB", "#00897b"), "sandra-lindner": ("SL", "#5e35b1"),
        "vera-beispiel": ("VB", "#c2185b"), "jana-holm": ("JH", "#2e7d32"),
        "samir-haddad": ("SH", "#d84315"), "kreissportbund": ("KS", "#6d4c41"),
    }  # fmt: skip
    for name, (initials, colour) in people.items():
        portrait(MEDIA / "personen" / f"{name}.jpg", initials, colour)
    logos()


def logos() -> None:
    logo(MEDIA / "logos" / "zwk.png", "Zukunftswerkstatt\nKommunen", "#283593")
    mark(MEDIA / "logos" / "zwk-zeichen.png", "#283593")
    logo(MEDIA / "logos" / "foerderer.png", "Bundesministerium\nfür Beispielwesen", "#37474f")
    logo(MEDIA / "logos" / "kompetenznetz.png", "Kompetenznetz\nDemografie", "#00695c")
    logo(MEDIA / "logos" / "landkreis.png", "Landkreis\nRostock", "#1565c0")


if __name__ == "__main__":
    main()
