"""The editors' Markdown is converted from two threads at once in a build (MkDocs' pages and
the emails): each thread must get exactly what a conversion alone gives."""

from __future__ import annotations

import threading
from collections.abc import Callable

from generator import markup
from tests.test_shortcuts import DIALECT, ROUTES


def _texts(worker: int) -> list[str]:
    # long enough, and with enough Markdown, that conversions overlap in time
    return [
        f"## Abschnitt {worker}-{n}\n\n"
        + "\n".join(f"- Punkt *{worker}.{n}.{i}* mit \"Zitat\" -- und [Link](https://example.org/{i})" for i in range(30))
        + f"\n\nAbsatz {worker}/{n} mit `Code` und **fett**.\n"
        for n in range(20)
    ]


def _convert_concurrently(convert: Callable[[str], str], workers: int = 6) -> list[tuple[str, str]]:
    results: list[tuple[str, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def work(worker: int) -> None:
        start.wait()
        for text in _texts(worker):
            html = convert(text)
            with lock:
                results.append((text, html))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_conversions_in_parallel_threads_equal_conversions_alone() -> None:
    converter = markup.Converter(DIALECT, ROUTES)  # one, shared by the threads as a build shares it

    def convert(text: str) -> str:
        return converter.convert(text, "newsletter").html

    alone = {text: convert(text) for worker in range(6) for text in _texts(worker)}
    results = _convert_concurrently(convert)
    assert len(results) == len(alone)
    wrong = [text for text, html in results if html != alone[text]]
    assert not wrong, f"{len(wrong)} of {len(results)} conversions differ when threads convert at once"
