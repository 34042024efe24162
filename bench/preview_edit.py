"""How long an edit takes to show in `rundbrief serve`: the time from saving an issue to the
moment its page, fetched over HTTP from the running preview, shows the new text.

    python bench/preview_edit.py PROJECT [--edits 5]

Prints one JSON line: the first build's seconds, the median/max of the body edits' seconds (the
preview renders those in place) and the seconds of one title edit (a full build).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError):
        return ""


def wait_for(url: str, marker: str, timeout: float = 300.0, poll: float = 0.02) -> float:
    """Seconds until ``url`` shows ``marker``."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if marker in fetch(url):
            return time.perf_counter() - started
        time.sleep(poll)
    raise SystemExit(f"{url} did not show {marker!r} within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    issues = sorted((args.project / "content" / "newsletter").glob("0*.md"))
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "rundbrief"), "serve", "--port", str(port), "--project", str(args.project)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
    )  # fmt: skip
    try:
        middle = issues[len(issues) // 2]
        url = f"http://127.0.0.1:{port}/newsletter/{middle.stem}/"
        original = middle.read_text(encoding="utf-8")
        first = wait_for(url, "rb-issue")
        seconds = []
        for number in range(args.edits):
            time.sleep(1.0)  # the preview settles (and an editor does not save twice a second)
            marker = f"Bearbeitung{number}x{time.time_ns()}"
            middle.write_text(original + f"\n{marker}\n", encoding="utf-8")
            seconds.append(wait_for(url, marker))
        # a title: front-matter that other pages show, so the preview builds everything again
        time.sleep(1.0)
        title = f"Titel{time.time_ns()}"
        middle.write_text(re.sub(r"^title: .*$", f"title: {title}", original, count=1, flags=re.M), encoding="utf-8")
        title_seconds = wait_for(url, title)
        middle.write_text(original, encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures = {"first": first, "median": statistics.median(seconds), "max": max(seconds), "title": title_seconds}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
