"""A richer project for site tests: every kind of event, statements, phases, a draft."""

from __future__ import annotations

from pathlib import Path

SECOND_ISSUE = """\
---
title: Regionalkonferenzen & mehr
number: "02.2026"
date: 2026-06-30
summary: Vier Regionalkonferenzen im Herbst.
cover:
  src: media/foto.jpg
  alt: Eine Gruppe im Saal
  caption: Die Kreativ-Gruppe
  credit: Vera Beispiel
photos:
  - src: media/foto.jpg
    alt: Noch ein Bild der Gruppe
    credit: Landkreis
events:
  - id: base-event
  - id: konferenz-nord
    title: Regionalkonferenz Nord
    start: 2026-09-25 15:00
    end: "19:00"
    location: Heidetreff
    address: Am Heidetreff 1, 18182 Gelbensande
    region: Nordosten
  - id: konferenz-sued
    title: Regionalkonferenz Süd
    start: 2026-12-04 15:00
    end: "19:00"
    location: Dorfcafé
    status: cancelled
  - id: messe
    title: Messe
    start: 2027-05-07
    end: 2027-05-08
    location: Festhalle
  - id: forum
    title: Jugendforum
    start: 2027-01-22 16:00
    location: Jugendhaus
    online: https://video.example.org/forum
  - id: verschoben
    title: Workshop
    start: 2027-02-26 09:30
    online: https://video.example.org/workshop
    status: postponed
  - id: webinar
    title: Webinar
    start: 2026-10-01 18:00
    online: https://video.example.org/webinar
    registration: https://anmeldung.example.org/webinar
statements:
  - person: anna-muster
    quote: Wir sind dabei, weil es um *unsere* Zukunft geht.
  - name: Heike Sommer
    organisation: Kreiselternrat
    groups: [Mitglied Kreativ-Gruppe]
    quote: Eltern reden mit.
contacts: [anna-muster]
---

## Bericht

Ein Bild im Text:

![Die Gruppe beim Kneten](../media/foto.jpg)
"""

DRAFT_ISSUE = """\
---
title: Geheimer Entwurf
number: "03.2026"
date: 2026-11-20
draft: true
events:
  - id: nur-im-entwurf
    title: Geheimes Treffen
    start: 2027-03-01 10:00
    location: Hinterzimmer
---

Entwurfstext.
"""

PHASE = """\
---
title: {title}
order: {order}
status: {status}
start: {start}
end: {end}
summary: {title} in Kürze.
---

Beschreibung von {title}.
"""


def make_rich(root: Path) -> Path:
    content = root / "content"
    (content / "newsletter" / "2026-02.md").write_text(SECOND_ISSUE, encoding="utf-8")
    (content / "newsletter" / "2026-03.md").write_text(DRAFT_ISSUE, encoding="utf-8")
    (content / "prozess").mkdir()
    (content / "prozess" / "index.md").write_text("# Der Prozess\n", encoding="utf-8")
    for slug, title, order, status, start, end in (
        ("umfrage", "Online-Umfrage", 1, "done", "2026-03-01", "2026-04-30"),
        ("jugend", "Jugendbeteiligung", 2, "active", "2026-09-01", "2027-06-30"),
        ("messe", "Messe", 3, "planned", "2027-05-07", "2027-05-08"),
    ):
        text = PHASE.format(title=title, order=order, status=status, start=start, end=end)
        (content / "prozess" / f"{slug}.md").write_text(text, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8")
        .replace("  font: false\n", "  font: false\n  logo: media/logo.png\n")
        .replace("plugins:\n", "plugins:\n  - search:\n      lang: de\n")
        + "      logo: media/logo.png\n"
        + "      logo_alt: Zeichen des Testprozesses\n"
        + "      organisation: Landkreis Test\n"
        + "      subscribe_url: https://abo.test.example.org/abonnieren\n"
        + "      partners:\n        - label: Gefördert vom\n          name: Ministerium\n          logo: media/logo.png\n",
        encoding="utf-8",
    )
    return root
