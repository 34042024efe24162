"""Extract the email-client facts rundbrief's lint needs from the caniemail data.

Run by a developer when the caniemail data is updated:
    python scripts/caniemail_table.py ../shared/caniemail > generator/email/client_support.json
The project must not read ../shared at run time, so the facts are carried as this table.
caniemail: https://www.caniemail.com (MIT licence), by Rémi Parmentier and contributors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

# The clients our readers use (see the README of the data): family -> platforms.
TARGETS = {
    "outlook": ["windows", "windows-mail", "outlook-com", "macos", "ios", "android"],
    "gmail": ["desktop-webmail", "ios", "android", "mobile-webmail"],
    "apple-mail": ["macos", "ios"],
    "gmx": ["desktop-webmail", "ios", "android"],
    "web-de": ["desktop-webmail", "ios", "android"],
    "t-online-de": ["desktop-webmail"],
    "thunderbird": ["macos", "windows", "linux"],
}


def front_matter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8").replace("\t", "    ")
    head = text.split("---", 2)[1]
    data = yaml.safe_load(head)
    return data if isinstance(data, dict) else {}


def main(root: Path) -> None:
    names = yaml.safe_load((root / "_data" / "nicenames.yml").read_text(encoding="utf-8"))
    table: dict[str, object] = {}
    for path in sorted((root / "_features").glob("*.md")):
        if path.name.startswith("_"):
            continue
        try:
            data = front_matter(path)
        except yaml.YAMLError:
            continue
        stats = data.get("stats") or {}
        if not isinstance(stats, dict):
            continue
        unsupported, partial = [], []
        for family, platforms in TARGETS.items():
            for platform in platforms:
                results = (stats.get(family) or {}).get(platform)
                if not results:
                    continue
                latest = str(list(results.values())[-1]).strip()
                client = f"{names['family'][family]} {names['platform'][platform]}"
                if latest.startswith("n"):
                    unsupported.append(client)
                elif latest.startswith("a"):
                    partial.append(client)
        if unsupported or partial:
            table[path.stem] = {"title": data.get("title", path.stem), "unsupported": unsupported, "partial": partial}
    json.dump(
        {"source": "caniemail.com, MIT licence, data of 2026-06-29", "features": table},
        sys.stdout, ensure_ascii=False, indent=1, sort_keys=True,
    )  # fmt: skip
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
