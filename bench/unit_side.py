"""Benchmark: the unit's side, the time to write 100 templates and 100 feedback workbooks.

    .venv/bin/python bench/unit_side.py [--count 100]

Templates: `write_template` for --count (unit, period) pairs of the packaged catalogue, Quý IV/2025
(the units active then, repeated as needed), without pre-fill (an empty warehouse has nothing to
pre-fill). Feedback: a realistic version 2 workbook of a phường with three warnings and four changes
taken in by the real intake once (scripts/doc_images.sample_feedback), then `write_feedback` for it
--count times under distinct receipt names (an annotated copy each: open, sanitise, annotate, add
the results sheet, save). Prints wall time in total and per file, file sizes and the peak RSS;
never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from schemas.catalog_model import load_catalog  # noqa: E402
from tasks.core.periods import Period  # noqa: E402
from tasks.core.settings import Settings, WorkspacePaths  # noqa: E402
from tasks.feedback.annotate import write_feedback  # noqa: E402
from tasks.workbook.template import write_template  # noqa: E402


def _timed(label: str, count: int, run) -> list[Path]:
    start = time.perf_counter()
    paths = [run(i) for i in range(count)]
    took = time.perf_counter() - start
    sizes = [p.stat().st_size for p in paths]
    print(
        f"{label:<22} {count} files in {took:6.2f} s = {1000 * took / count:6.1f} ms/file; "
        f"median size {statistics.median(sizes) / 1024:.0f} KiB"
    )
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args(argv)
    catalog = load_catalog()
    period = Period(2025, 4)
    units = catalog.expected_units(period.window_start, period.window_end)
    days = Settings().submission_working_days
    with tempfile.TemporaryDirectory(prefix="bench-unit-side-") as tmp:
        work = Path(tmp)
        _timed(
            "templates",
            args.count,
            lambda i: write_template(
                catalog,
                units[i % len(units)],
                period,
                work / "templates" / str(i),
                working_days=days,
            ),
        )
        from scripts.doc_images import sample_feedback  # noqa: PLC0415 - builds a workspace

        sample = sample_feedback(work / "sample")
        home = sample.parent.parent
        receipt = json.loads((home / "receipts" / (sample.stem + ".json")).read_text("utf-8"))
        archived = next((home / "archive").glob(receipt["sha256"] + "*"))  # archived by hash
        paths = WorkspacePaths(work / "feedback-home")
        print(
            f"(feedback sample: {len(receipt['messages'])} messages, "
            f"{len(receipt.get('changes', []))} changes)"
        )
        _timed(
            "feedback workbooks",
            args.count,
            lambda i: write_feedback(paths, f"{i:06d}-bench.json", receipt, archived),
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
