"""The Great Expectations side of validation: expectation specs as data, one suite per frame.

The specs live in `schemas/rules.yaml` under `expectations:` (rule code, frame, expectation type,
kwargs, optional extra row condition, the frame column holding the message's cell). tasks/intake/frames.py
builds the frames of a whole batch, stacked into ONE pandas DataFrame with a `frame` column and a
`rid` column (the row's position, mapping back to its submission and object); `run_expectations`
validates it with GX Core 1.x (ephemeral context, pandas datasource, dataframe asset, whole-dataframe
batch definition): one ExpectationSuite and one validation per frame kind present, each over that
kind's rows only, with result_format COMPLETE and `unexpected_index_column_names=["rid",
"sub_key"]`. It returns the failing (spec, rid) pairs in one canonical order (spec, then row), the
order GX reports them in being its own.

Why per frame kind: with one suite over the stacked frame, every expectation first evaluated its
`frame == …` row condition over all rows of every kind; split, each evaluates only its own rows and
the frame condition goes. The same failures for half the GX time (1,000 files: 0.88–1.22 s of CPU
→ 0.41–0.45 s; on the demo's 481 files the same 68 failures).

great_expectations is imported lazily (2-5 s): only a call of `run_expectations` pays for it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.core import deferred_imports
from tasks.intake.rules import RULES_FILE, load_rules, rules_document

if TYPE_CHECKING:
    import pandas as pd

FRAMES = ("elements", "assigned", "activities")
INDEX_COLUMNS = ["rid", "sub_key"]


@dataclass(frozen=True)
class ExpectationSpec:
    index: int
    rule: str
    frame: str
    expectation: str  # snake_case GX expectation type, e.g. expect_column_values_to_be_between
    kwargs: dict = field(default_factory=dict, hash=False, compare=False)
    where: dict = field(default_factory=dict, hash=False, compare=False)
    cell: str | None = None

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.expectation.split("_"))


@dataclass(frozen=True)
class Failure:
    spec: ExpectationSpec
    rid: int


@lru_cache(maxsize=4)
def load_specs(path: Path = RULES_FILE) -> tuple[ExpectationSpec, ...]:
    """The `expectations:` section of rules.yaml, checked against the rules and the frames."""
    data = rules_document(path)
    rules = load_rules()
    specs = []
    for index, item in enumerate(data.get("expectations") or []):
        spec = ExpectationSpec(
            index=index,
            rule=item["rule"],
            frame=item["frame"],
            expectation=item["expectation"],
            kwargs=dict(item.get("kwargs") or {}),
            where=dict(item.get("where") or {}),
            cell=item.get("cell"),
        )
        if spec.rule not in rules:
            raise ValueError(f"{Path(path).name}: expectation {index}: unknown rule {spec.rule}")
        if rules[spec.rule].check != "gx":
            raise ValueError(
                f"{Path(path).name}: expectation {index}: rule {spec.rule} is not a gx rule"
            )
        if spec.frame not in FRAMES:
            raise ValueError(f"{Path(path).name}: expectation {index}: unknown frame {spec.frame}")
        if not re.fullmatch(r"expect_[a-z0-9_]+", spec.expectation):
            raise ValueError(
                f"{Path(path).name}: expectation {index}: bad expectation {spec.expectation}"
            )
        specs.append(spec)
    return tuple(specs)


# --- GX ------------------------------------------------------------------------------------------
def _import_gx():
    """Import great_expectations quietly: no analytics, no progress bars, no chatter; and without
    running `scipy.stats`, which it imports for expectations dxreport does not use (0.7-0.8 s of
    its 2.2-2.4 s; tasks/core/deferred_imports.py)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    if "great_expectations" not in sys.modules:
        deferred_imports.defer("scipy.stats")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx  # noqa: PLC0415 - lazy: importing costs seconds
    return gx


def import_gx_meanwhile() -> threading.Thread | None:
    """Start importing Great Expectations (and pandas with it: 2-2.5 s of one core) in a thread,
    for a caller that is about to wait on other processes. The intake reads many files in a pool
    of processes (tasks/intake/parse_pool.py), then validates them here. Without a temporary API
    to wait for (a `dxreport server`, a deployment's run), this import was on the run's path
    after the read, with the second core idle. The caller joins the thread before its next step,
    so nothing else is imported alongside. None when it is imported already (a bare command
    imports it while it waits for its API, flows/cli/prefetch.py)."""
    if "great_expectations" in sys.modules:
        return None
    # the environment is changed here, not in the thread: processes may be started meanwhile
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

    def run() -> None:
        try:
            from tasks.intake import validate  # noqa: F401, PLC0415 - the validation's own imports

            _import_gx()
        except Exception as exc:  # noqa: BLE001 - a head start only: validation imports it again
            logging.getLogger(__name__).debug("importing Great Expectations ahead failed: %r", exc)

    thread = threading.Thread(target=run, name="dxreport-import-gx", daemon=True)
    thread.start()
    return thread


def _condition(spec: ExpectationSpec):
    """The spec's own row condition (its `where:`) within its frame's rows; None when it has
    none."""
    from great_expectations.expectations.row_conditions import (  # noqa: PLC0415
        AndCondition,
        Column,
        Condition,
    )

    parts: list[Condition] = []
    for column, test in spec.where.items():
        col = Column(column)
        if isinstance(test, dict):
            if "in" in test:
                parts.append(col.is_in(test["in"]))
            elif "not_in" in test:
                parts.append(col.is_not_in(test["not_in"]))
            elif test.get("not_null"):
                parts.append(col.is_not_null())
            elif test.get("null"):
                parts.append(col.is_null())
            else:
                raise ValueError(f"expectation {spec.index}: unknown condition {test}")
        else:
            parts.append(col == test)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AndCondition(conditions=parts)


def _build_suite(gx, frame_kind: str, specs: list[ExpectationSpec]):
    """The suite of one frame kind's specs."""
    suite = gx.ExpectationSuite(name=f"dxreport_{frame_kind}")
    for spec in specs:
        cls = getattr(gx.expectations, spec.class_name)
        condition = _condition(spec)
        suite.add_expectation(
            cls(
                **spec.kwargs,
                **({} if condition is None else {"row_condition": condition}),
                meta={"rule": spec.rule, "spec": spec.index},
            )
        )
    return suite


def _context(gx):
    from great_expectations.data_context.types.base import (  # noqa: PLC0415
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _raised(info: Any) -> str | None:
    if not info:
        return None
    if isinstance(info, dict) and "raised_exception" in info:
        return (info.get("exception_message") or "error") if info.get("raised_exception") else None
    if isinstance(info, dict):
        for value in info.values():
            found = _raised(value if isinstance(value, dict) else getattr(value, "__dict__", None))
            if found:
                return found
    return None


def run_expectations(frame: pd.DataFrame, parameters: dict[str, list]) -> list[Failure]:
    """Validate the stacked batch frame, one GX validation per frame kind present; every failing
    (spec, rid), ordered by spec, then rid."""
    if frame.empty:
        return []
    present = set(frame["frame"].unique())
    specs = [s for s in load_specs() if s.frame in present]
    if not specs:
        return []
    by_index = {s.index: s for s in specs}
    gx = _import_gx()
    failures: list[Failure] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = _context(gx)
        batch_definition = (
            context.data_sources.add_pandas("dxreport")
            .add_dataframe_asset("submissions")
            .add_batch_definition_whole_dataframe("batch")
        )
        for kind in FRAMES:
            kind_specs = [s for s in specs if s.frame == kind]
            if not kind_specs:
                continue
            rows = frame[frame["frame"] == kind]
            batch = batch_definition.get_batch(batch_parameters={"dataframe": rows})
            result = batch.validate(
                _build_suite(gx, kind, kind_specs),
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": INDEX_COLUMNS,
                    "return_unexpected_index_query": False,
                },
                expectation_parameters=parameters,
            )
            failures.extend(_failures(result, by_index))
    return sorted(failures, key=lambda f: (f.spec.index, f.rid))


def _failures(result: Any, by_index: dict[int, ExpectationSpec]) -> list[Failure]:
    """The failing (spec, rid) pairs of one validation result; a spec GX could not evaluate is
    an error, not a pass."""
    failures: list[Failure] = []
    for item in result.results:
        spec = by_index[item.expectation_config.meta["spec"]]
        problem = _raised(item.exception_info)
        if problem:
            raise RuntimeError(
                f"Great Expectations could not evaluate {spec.expectation} for rule {spec.rule}: {problem}"
            )
        for unexpected in item.result.get("unexpected_index_list") or []:
            rid = unexpected["rid"] if isinstance(unexpected, dict) else unexpected
            failures.append(Failure(spec=spec, rid=int(rid)))
    return failures
