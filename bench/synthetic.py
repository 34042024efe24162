"""A synthetic participation process of N issues, for the benchmark (fictional German text)."""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

WORDS = (
    "Landkreis Beteiligung Zukunft Gemeinde Regionalkonferenz Jugend Senioren Mobilität Nahversorgung Ehrenamt "
    "Dorfladen Vereine Workshop Strategie Kreativ-Gruppe Bürgerinnen Bürger gemeinsam entwickeln Ideen Projekte "
    "Treffpunkt Schule Kita Arbeit Wohnen Gesundheit Pflege Kultur Sport Radweg Bus Bahn Digitalisierung "
    "Verwaltung Beirat Inklusion Vielfalt Integration Nachbarschaft Heimat Wandel Demografie Umfrage Ergebnisse "
    "und der die das mit für in auf zu wir sie es ist sind werden haben eine einen einem neue gute viele"
).split()
PLACES = ["Gelbensande", "Groß Schwiesow", "Elmenhorst", "Lüchow", "Schwaan", "Bad Doberan", "Güstrow", "Bützow"]


def sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(8, 16))]
    if rnd.random() < 0.15:  # editors quote names of projects and people's words, with straight quotes
        at = rnd.randrange(1, len(words) - 2)
        words[at : at + 2] = [f'"{words[at]} {words[at + 1]}"']
    if rnd.random() < 0.1:
        words.insert(rnd.randrange(1, len(words)), "–")
    return " ".join(words).capitalize() + "."


def body(rnd: random.Random, words: int = 800) -> str:
    parts, count = [], 0
    while count < words:
        if rnd.random() < 0.12:
            parts.append(f"## {sentence(rnd)[:40].rstrip('.')}")
        paragraph = " ".join(sentence(rnd) for _ in range(rnd.randint(3, 6)))
        count += len(paragraph.split())
        parts.append(paragraph)
    return "\n\n".join(parts) + "\n"


def make_images(media: Path, count: int = 12) -> list[str]:
    media.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        img = Image.new("RGB", (1600, 1067), (40 + i * 15 % 200, 90, 160))
        draw = ImageDraw.Draw(img)
        for j in range(12):
            draw.ellipse((100 + j * 110, 400 + (j % 3) * 120, 180 + j * 110, 480 + (j % 3) * 120), fill=(250, 200, 120))
        name = f"foto-{i:02d}.jpg"
        img.save(media / name, "JPEG", quality=80)
        names.append(f"media/{name}")
    return names


def make_project(root: Path, n: int, repo: Path, seed: int = 1) -> Path:
    rnd = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    content = root / "content"
    (content / "newsletter").mkdir(parents=True)
    (content / "prozess").mkdir()
    shutil.copy(repo / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(repo / "content" / "media" / "logos", content / "media" / "logos")
    for page in ("index.md", "kontakt.md", "impressum.md", "datenschutz.md", "barrierefreiheit.md", "prozess/index.md"):
        shutil.copy(repo / "content" / page, content / page)
    images = make_images(content / "media")
    people = []
    lines = []
    for i in range(40):
        pid = f"person-{i:02d}"
        people.append(pid)
        lines.append(
            f"{pid}:\n  name: Person {i}\n  role: {rnd.choice(WORDS).capitalize()}\n"
            f"  organisation: Verein {i}\n  groups: [Mitglied Kreativ-Gruppe]\n  email: person{i}@example.org\n"
        )
    (content / "people.yml").write_text("\n".join(lines), encoding="utf-8")
    for i in range(6):
        (content / "prozess" / f"phase-{i}.md").write_text(
            f"---\ntitle: Phase {i}\norder: {i}\nstatus: {['done', 'active', 'planned'][i % 3]}\n---\n\n"
            f"{body(rnd, 120)}",
            encoding="utf-8",
        )
    start = date(2020, 1, 6)
    for i in range(n):
        day = start + timedelta(days=7 * i)
        events = []
        for j in range(4):
            when = day + timedelta(days=10 + j * 7)
            place = rnd.choice(PLACES)
            events.append(
                f"  - id: e-{i}-{j}\n    title: Regionalkonferenz {place} {i}-{j}\n"
                f'    start: {when} 15:00\n    end: "19:00"\n'
                f"    location: Gemeindezentrum {place}\n    address: Dorfstraße {j + 1}, 18000 {place}\n"
                f"    region: {place}\n"
            )
        statements = "".join(f"  - person: {rnd.choice(people)}\n    quote: {sentence(rnd)}\n" for _ in range(3))
        photos = "".join(
            f"  - src: {rnd.choice(images)}\n    alt: Teilnehmende beim Treffen {i}\n"
            f"    caption: Treffen {i}\n    credit: Landkreis\n"
            for _ in range(2)
        )
        text = (
            f'---\ntitle: Ausgabe {i + 1} – {sentence(rnd)[:50].rstrip(".")}\nnumber: "{i + 1}"\ndate: {day}\n'
            f"summary: {sentence(rnd)}\ncover:\n  src: {rnd.choice(images)}\n  alt: Gruppenbild {i}\n"
            f"  credit: Landkreis\nphotos:\n{photos}events:\n{''.join(events)}statements:\n{statements}"
            f"contacts: [{people[0]}]\n---\n\n{body(rnd)}"
        )
        (content / "newsletter" / f"{i + 1:05d}.md").write_text(text, encoding="utf-8")
    return root


def plain_project(source: Path, target: Path, *, blog: bool) -> Path:
    """The same Markdown bodies for plain Material (baseline) or Material's blog plugin."""
    if target.exists():
        shutil.rmtree(target)
    docs = target / "docs"
    folder = docs / ("blog" / Path("posts") if blog else Path("newsletter"))
    folder.mkdir(parents=True)
    (docs / "index.md").write_text("# Start\n", encoding="utf-8")
    for path in sorted((source / "content" / "newsletter").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        head, rest = text[4:].split("\n---\n", 1)
        title = next(line.split(": ", 1)[1] for line in head.splitlines() if line.startswith("title: "))
        day = next(line.split(": ", 1)[1] for line in head.splitlines() if line.startswith("date: "))
        front = f"---\ndate: {day}\n---\n\n" if blog else ""
        (folder / path.name).write_text(f"{front}# {title}\n\n{rest}", encoding="utf-8")
    if blog:
        (docs / "blog" / "index.md").write_text("# Newsletter\n", encoding="utf-8")
    config = [
        "site_name: Benchmark",
        "site_url: https://bench.example.org/",
        "theme:",
        "  name: material",
        "  language: de",
        "  font: false",
    ]
    if blog:
        config += ["plugins:", "  - search:", "      lang: de", "  - blog"]
    else:
        config += ["not_in_nav: |", "  /newsletter/*.md", "plugins:", "  - search:", "      lang: de"]
    (target / "mkdocs.yml").write_text("\n".join(config) + "\n", encoding="utf-8")
    return target
