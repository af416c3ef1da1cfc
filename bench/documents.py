"""Documents per second per core: every example form and letter rendered as PDF/A, one process.

    uv run python bench/documents.py [--seconds 10]

WeasyPrint rendering is CPU-bound and single-threaded, so one process measures one core; the
delivery adapters run it in a worker thread off the event loop. Prints forms/s, letters/s and the
p50 / max time of one two-page form.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime

from magt import dokumenter
from magt_documents import brev_pdf, skema_pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="How long to render forms.")
    args = parser.parse_args()
    nu = datetime.now(UTC)
    skemaer = dokumenter.eksempelskemaer()
    breve = dokumenter.eksempelbreve(skemaer, nu)
    skema_pdf(skemaer["skema_1a"], sagsref="sag-bench")  # warm fonts and templates
    tider: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds / 2:
        for navn, form in skemaer.items():
            t = time.perf_counter()
            skema_pdf(form, sagsref=f"sag-bench-{navn}", oprettet=nu)
            tider.append(time.perf_counter() - t)
    skemasek = time.perf_counter() - start
    antal_breve = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds / 2:
        for brev in breve.values():
            brev_pdf(brev, oprettet=nu)
            antal_breve += 1
    brevsek = time.perf_counter() - start
    load = os.getloadavg()[0]
    print(
        f"documents: forms {len(tider) / skemasek:.1f}/s per core, "
        f"letters {antal_breve / brevsek:.1f}/s per core "
        f"(form p50 {statistics.median(tider) * 1000:.0f} ms, max {max(tider) * 1000:.0f} ms; "
        f"load average {load:.2f})"
    )


if __name__ == "__main__":
    main()
