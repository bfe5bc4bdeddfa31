"""The benchmark corpus (bench/corpus.py) stays valid: a few units' workbooks, all accepted by intake.

bench/scale.py measures intake on this corpus; a generator that rots would make it measure the
rejection path instead. Intake runs through the plain steps, without Prefect (a few seconds).
"""

import shutil
from datetime import datetime

from bench import corpus
from tasks.catalog.add_units import add_units
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace, workspace_catalog
from tasks.intake import steps

N = 3


def test_bench_corpus_is_accepted_by_intake(tmp_path):
    folder = tmp_path / "corpus"
    corpus.build(N, corpus.DEFAULT_SEED, folder, workers=1, quiet=True)
    assert corpus.is_complete(folder, N)
    files = corpus.corpus_files(folder)
    assert len({f.read_bytes() for f in files}) == N  # distinct bytes: no duplicates at intake

    settings = Settings(home=tmp_path / "home", now=datetime.fromisoformat(corpus.RECEIVED_AT))
    ensure_workspace(settings)
    assert add_units(settings, folder / "units.csv")["added"] == N
    catalog = workspace_catalog(settings)
    for f in files:
        shutil.copyfile(f, settings.paths.inbox / f.name)

    batch = steps.collect(settings, catalog)
    subs = steps.parse_batch(settings, batch)
    subs = steps.validate_submissions(settings, catalog, batch, subs)
    receipts = [r.receipt for r in batch.recovered + steps.record_batch(settings, batch, subs)]

    assert len(receipts) == N
    for receipt in receipts:
        assert receipt["status"] == "accepted", receipt
        assert receipt["period"] == corpus.PERIOD_ID
        assert receipt["timeliness"] == "on_time"
