"""The benchmark corpus of issue 9: N synthetic phường/xã and one valid, filled 2025Q3 workbook each.

    .venv/bin/python bench/corpus.py [--units 1000] [--seed 9] [--out DIR] [--workers 2]

For N units `X_BENCH_00000` … (type phuong_xa, valid from 01/07/2025, as bench/report.py's
`synthetic_units`) writes:
- `units.csv`: what `dxreport catalog add-units FILE` takes (code,name,type,valid_from,valid_to,
  successor_of);
- `files/2025Q3_<CODE>.xlsx`: the real template of the unit (tasks.workbook.template) filled the
  way the demo fills it (demo/fill.py; values from demo/series.py, preparer, an activity log drawn
  from 4 lines and reconciled with the counts, and the narrative from demo/text.py), saved at a
  time of 10–12/09/2025. Every file is accepted by intake without warnings when received inside
  2025Q3's submission window (`RECEIVED_AT`), and every file has its own bytes. The flows and money
  are kept inside the peers' range of the plausibility check (`peer_bounds`), so no warnings.

One openpyxl fill is about 25 ms, so the corpus is built by a process pool, and cached under
`~/.cache/dxreport-bench/corpus-<N>-<seed>-<key>/` (`<key>`: digest of the generator's sources and
the template), reused when its `COMPLETE` marker is there.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERIOD_ID = "2025Q3"
RECEIVED_AT = "2025-09-15T10:00:00+07:00"  # after the cut-off (14/09), before the deadline (16/09)
DEFAULT_SEED = 9
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dxreport-bench"
SOURCES = (  # what the files depend on: a change here makes a new cache key
    "bench/corpus.py",
    "bench/report.py",
    "demo/fill.py",
    "demo/series.py",
    "demo/text.py",
    "demo/words.yaml",
    "tasks/workbook/template.py",
    "schemas/catalog/codes.yaml",
)


def units(n: int):
    from bench.report import synthetic_units

    return synthetic_units(n)


def cache_key() -> str:
    digest = hashlib.sha256()
    for rel in SOURCES:
        path = ROOT / rel
        if path.exists():
            digest.update(rel.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def corpus_dir(n: int, seed: int) -> Path:
    return CACHE / f"corpus-{n}-{seed}-{cache_key()}"


def write_units_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "type", "valid_from", "valid_to", "successor_of"])
        for u in units(n):
            writer.writerow([u.code, u.name, u.type, u.valid_from.isoformat(), "", ""])


# --- inside the peers' range ----------------------------------------------------------------------
CLAMP_KINDS = ("flow", "money")  # stocks have parts (not_above): left as drawn, they stay in range
MARGIN = 0.8  # of the rule's width: the peers of one file are the others, a little different


def peer_bounds(n: int, seed: int) -> dict[str, tuple[float, float]]:
    """Element -> (low, high) well inside VALUE_OUTSIDE_PEERS's range [Q1 - w, Q3 + w] over all N
    units (w = max(k * IQR, floor), rules.yaml), so that no file draws that warning: a few
    units' lognormal draws would otherwise land beyond it (about 2 % of the files)."""
    import statistics

    from demo.series import Series
    from schemas.catalog_model import load_catalog
    from tasks.core.periods import Period
    from tasks.intake.rules import load_rules

    params = load_rules()["VALUE_OUTSIDE_PEERS"].params
    unit_list = units(n)
    if len(unit_list) <= params["min_peers"]:
        return {}
    catalog = load_catalog().with_units(unit_list)
    series, period = Series(catalog, seed), Period.parse(PERIOD_ID)
    columns: dict[str, list[float]] = {}
    for u in unit_list:
        for code, value in series.values(u, period).items():
            columns.setdefault(code, []).append(value)
    kinds = {e.code: e.kind for e in catalog.data_elements}
    bounds = {}
    for code, values in columns.items():
        if kinds.get(code) not in CLAMP_KINDS:
            continue
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        floor = params.get("element_floors", {}).get(code, params["absolute_floor"])
        width = MARGIN * max(params["k"] * (q3 - q1), floor)
        bounds[code] = (max(0.0, q1 - width), q3 + width)
    return bounds


def clamped(values: dict[str, float], bounds: dict, kinds: dict[str, str]) -> dict[str, float]:
    out = dict(values)
    for code, (low, high) in bounds.items():
        if code in out:
            whole = kinds[code] != "money"
            lo = math.ceil(low) if whole else math.ceil(low * 10) / 10
            hi = math.floor(high) if whole else math.floor(high * 10) / 10
            out[code] = min(max(out[code], lo), hi)
    return out


# --- the workers ------------------------------------------------------------------------------
_STATE: dict = {}


def _init(n: int, seed: int, out: str, bounds: dict | None = None) -> None:
    from demo.fill import Templates
    from demo.series import Series
    from schemas.catalog_model import load_catalog
    from tasks.core.periods import Period

    unit_list = units(n)
    catalog = load_catalog().with_units(unit_list)
    tmp = Path(tempfile.mkdtemp(prefix="dxreport-corpus-tpl-"))
    _STATE.update(
        catalog=catalog,
        units={u.code: u for u in unit_list},
        period=Period.parse(PERIOD_ID),
        templates=Templates(catalog, 2, tmp),
        series=Series(catalog, seed),
        seed=seed,
        out=Path(out),
        bounds=bounds or {},
        kinds={e.code: e.kind for e in catalog.data_elements},
    )


def workbook_for(code: str) -> bytes:
    """The filled workbook of one unit (deterministic in (seed, code))."""
    from demo import text
    from demo.fill import fill
    from tasks.workbook.template import workbook_bytes

    s = _STATE
    unit, period, catalog = s["units"][code], s["period"], s["catalog"]
    rng = random.Random(f"{s['seed']}:{code}:content")
    values = clamped(s["series"].values(unit, period), s["bounds"], s["kinds"])
    header = text.header(random.Random(f"{s['seed']}:{code}:person"), unit)
    drawn = text.activities(rng, catalog, unit, period, values)[:4]
    log = text.reconcile(rng, catalog, unit, period, drawn, values)
    narrative = text.narrative(rng, unit, period, values)
    prepared = date(2025, 9, 10) + timedelta(days=rng.randint(0, 2))
    wb = s["templates"].workbook(unit, period)
    fill(wb, values, header, prepared, log, narrative, {})
    saved = datetime.combine(prepared, datetime.min.time()) + timedelta(
        hours=8, minutes=rng.randint(0, 8 * 60)
    )
    return workbook_bytes(wb, saved)


def file_name(code: str) -> str:
    return f"{PERIOD_ID}_{code}.xlsx"


def _write(codes: list[str]) -> int:
    out: Path = _STATE["out"]
    for code in codes:
        (out / file_name(code)).write_bytes(workbook_for(code))
    return len(codes)


# --- the corpus -------------------------------------------------------------------------------
def build(n: int, seed: int, folder: Path, workers: int | None = None, quiet: bool = False) -> None:
    """Write units.csv and files/ into `folder` (emptied first), then the COMPLETE marker."""
    if folder.exists():
        shutil.rmtree(folder)
    files = folder / "files"
    files.mkdir(parents=True)
    write_units_csv(folder / "units.csv", n)
    codes = [u.code for u in units(n)]
    bounds = peer_bounds(n, seed)
    workers = max(1, min(workers or os.cpu_count() or 1, max(1, n // 20)))
    chunks = [codes[i : i + 50] for i in range(0, n, 50)]
    started = time.perf_counter()
    done = 0
    if workers == 1:
        _init(n, seed, str(files), bounds)
        for chunk in chunks:
            done += _write(chunk)
    else:
        with Pool(workers, initializer=_init, initargs=(n, seed, str(files), bounds)) as pool:
            for k in pool.imap_unordered(_write, chunks):
                done += k
                if not quiet and done % 1000 < 50:
                    print(f"  corpus: {done}/{n} files", file=sys.stderr, flush=True)
    written = sorted(p.name for p in files.iterdir())
    if len(written) != n:
        raise RuntimeError(f"corpus: {len(written)} files written, {n} expected")
    (folder / "COMPLETE").write_text(
        f"{n} files, seed {seed}, built in {time.perf_counter() - started:.1f} s "
        f"with {workers} worker(s)\n"
    )


def is_complete(folder: Path, n: int) -> bool:
    files = folder / "files"
    return (
        (folder / "COMPLETE").exists()
        and (folder / "units.csv").exists()
        and files.is_dir()
        and sum(1 for _ in files.iterdir()) == n
    )


def ensure_corpus(
    n: int, seed: int = DEFAULT_SEED, folder: Path | None = None, workers: int | None = None
) -> Path:
    """The corpus folder for (n, seed), built unless a complete one is cached."""
    folder = folder or corpus_dir(n, seed)
    if not is_complete(folder, n):
        print(f"building the corpus of {n} workbooks in {folder} …", file=sys.stderr, flush=True)
        build(n, seed, folder, workers)
    return folder


def corpus_files(folder: Path) -> list[Path]:
    return sorted((folder / "files").iterdir())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=None, help="folder (default: the cache)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = ap.parse_args()
    folder = args.out or corpus_dir(args.units, args.seed)
    started = time.perf_counter()
    if args.force or not is_complete(folder, args.units):
        build(args.units, args.seed, folder, args.workers)
    files = corpus_files(folder)
    size = sum(p.stat().st_size for p in files)
    print(
        f"{len(files)} workbooks ({size / 2**20:.1f} MiB) and units.csv in {folder} "
        f"({time.perf_counter() - started:.1f} s; {(folder / 'COMPLETE').read_text().strip()})"
    )


if __name__ == "__main__":
    main()
