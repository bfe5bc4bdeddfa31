"""Rule findings (tasks/intake/validate.py, header_checks.py, frames.py + expectations.py).

All case workbooks are read and validated together in ONE batch (one stacked frame for GX, as in production), by a
module-scoped fixture; each test looks up its own case in the validated submissions the returned
report builds. A valid workbook in the same batch must stay without messages, which also proves
every expectation stays inside its own frame and submission.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest

from schemas.catalog_model import load_catalog
from tasks.core.settings import TZ, Settings
from tasks.intake import expectations
from tasks.intake.expectations import load_specs
from tasks.intake.parse import read_submission
from tasks.intake.rules import load_rules
from tasks.intake.submission import (
    SHEET_ACTIVITIES as ACT,
)
from tasks.intake.submission import (
    SHEET_ELEMENTS as EL,
)
from tasks.intake.submission import (
    SHEET_INFO as INFO,
)
from tasks.intake.submission import (
    SHEET_NARRATIVE as NAR,
)
from tasks.intake.submission import (
    Activity,
    ElementValue,
    Header,
    Submission,
)
from tasks.intake.validate import ValidationContext, ValidationReport, validate_batch
from tests import builders as b
from tests.intake.test_file_checks import FILE_CASES
from tests.intake.test_parse import PARSE_RULES

NOW = datetime(2025, 9, 16, 9, 0, tzinfo=TZ)
CTX = ValidationContext(now=NOW, locked_periods=frozenset({"2025Q2"}))
DROP = b.OMIT  # leaves a data element row out


def vals(unit: str = "P_HAI_CHAU", **changes) -> dict:
    out = b.default_values(unit)
    out.update(changes)  # DROP (builders.OMIT) leaves the row out
    return out


def row_of(code: str, unit: str = "P_HAI_CHAU") -> int:
    return list(b.default_values(unit)).index(code) + 2


def acts(**changes) -> list[dict]:
    rows = b.default_activities()
    rows[0].update(changes)
    return rows


E, W = "error", "warning"


@dataclass
class Case:
    id: str
    kwargs: dict
    expected: list[tuple]  # (rule, severity, sheet, cell)
    exact: bool = True
    extra: dict = field(default_factory=dict)


CASES = [
    # --- valid submissions: no message at all
    Case("valid", {}, []),
    Case("valid-doan-the", {"unit_code": "DT_MTTQ", "values": vals("DT_MTTQ")}, []),
    Case("valid-so-nganh", {"unit_code": "S_KHCN", "values": vals("S_KHCN")}, []),
    Case(
        "valid-quan-ending-in-window", {"unit_code": "Q_HAI_CHAU", "values": vals("Q_HAI_CHAU")}, []
    ),
    Case("valid-no-activities", {"activities": []}, []),
    Case(
        "valid-optional-blank",
        {"email": None, "phone": None, "unit_name": None, "notes": {"TIN_BAI": "ghi chú"}},
        [],
    ),
    Case("valid-name-variants", {"unit_name": "  phường  HẢI CHÂU ", "nfd": True}, []),
    Case("valid-period-just-opened", {"period": "2025Q4", "prepared_on": date(2025, 9, 15)}, []),
    Case(
        "valid-stock-equal-total",
        {"values": vals(LANH_DAO_DA_PHO_BIEN=10, TO_CNSCD_DA_TAP_HUAN=0)},
        [],
    ),
    Case(
        "valid-money-decimals-zero-values",
        {"values": vals(KINH_PHI=0.75, TIN_BAI=0, CO_KE_HOACH=0)},
        [],
    ),
    Case(
        "valid-activity-blank-optional",
        {"activities": acts(reach=None, cost=None, url=None, title=None)},
        [],
    ),
    Case(
        "valid-activity-names-for-codes",
        {"activities": acts(type="Tin, bài, phóng sự", channel="Mạng xã hội")},
        [],
    ),
    Case(
        "valid-activity-window-edges",
        {
            "activities": acts(date=date(2025, 6, 15))
            + [{"date": date(2025, 9, 14), "type": "khac", "channel": "khac", "quantity": 2}]
        },
        [],
    ),
    Case(
        "valid-url-upper-case-scheme",
        {"activities": acts(url="HTTPS://Danang.gov.vn/tin?id=1&x=2")},
        [],
    ),
    Case("valid-text-version-and-date", {"template_version": "1", "prepared_on": "15/09/2025"}, []),
    # --- "Thông tin"
    Case("unit-missing", {"unit_code": None}, [("UNIT_MISSING", E, INFO, "B2")]),
    Case(
        "unit-label-missing",
        {"header_overrides": {"Mã đơn vị": b.OMIT}},
        [("UNIT_MISSING", E, INFO, None)],
    ),
    Case("unit-unknown", {"unit_code": "P_KHONG_CO"}, [("UNIT_UNKNOWN", E, INFO, "B2")]),
    Case(
        "unit-unknown-still-checks-values",
        {
            "unit_code": "P_KHONG_CO",
            "values": vals(TIN_BAI=-1, MO_HINH_MOI=DROP, CHUONG_TRINH_PTTH=1),
        },
        [("UNIT_UNKNOWN", E, INFO, "B2"), ("VALUE_NEGATIVE", E, EL, "E2")],
    ),
    Case(
        "unit-inactive",
        {"unit_code": "P_HAI_CHAU_I", "values": vals("P_HAI_CHAU_I")},
        [("UNIT_INACTIVE", E, INFO, "B2")],
    ),
    Case(
        "unit-name-mismatch",
        {"unit_name": "UBND phường Thanh Bình"},
        [("UNIT_NAME_MISMATCH", W, INFO, "B3")],
    ),
    Case("period-invalid", {"period": "2025Q5"}, [("PERIOD_INVALID", E, INFO, "B4")]),
    Case(
        "period-blank",
        {"period": None, "values": vals(MO_HINH_MOI=DROP)},
        [("PERIOD_INVALID", E, INFO, "B4")],
    ),
    Case(
        "period-not-started",
        {"period": "2026Q1"},
        [("PERIOD_NOT_OPEN", E, INFO, "B4"), ("PREPARED_ON_BEFORE_WINDOW", W, INFO, "B8")],
    ),
    Case(
        "period-before-de-an",
        {"period": "2022Q3", "unit_code": "DT_MTTQ", "values": vals("DT_MTTQ")},
        [("PERIOD_NOT_OPEN", E, INFO, "B4")],
    ),
    Case(
        "period-locked",
        {"period": "2025Q2", "unit_code": "DT_MTTQ", "values": vals("DT_MTTQ")},
        [("PERIOD_LOCKED", E, INFO, "B4")],
    ),
    Case("preparer-missing", {"preparer": "  "}, [("PREPARER_MISSING", E, INFO, "B5")]),
    Case("email-invalid", {"email": "nguyenvana@"}, [("EMAIL_INVALID", W, INFO, "B7")]),
    Case(
        "prepared-on-invalid", {"prepared_on": "hôm qua"}, [("PREPARED_ON_INVALID", E, INFO, "B8")]
    ),
    Case("prepared-on-blank", {"prepared_on": None}, [("PREPARED_ON_INVALID", E, INFO, "B8")]),
    Case(
        "prepared-on-future",
        {"prepared_on": date(2025, 9, 20)},
        [("PREPARED_ON_FUTURE", W, INFO, "B8")],
    ),
    Case(
        "prepared-on-before-window",
        {"prepared_on": date(2025, 6, 1)},
        [("PREPARED_ON_BEFORE_WINDOW", W, INFO, "B8")],
    ),
    Case(
        "template-version-unknown",
        {"template_version": 3},
        [("TEMPLATE_VERSION_UNKNOWN", E, INFO, "B9")],
    ),
    Case(
        "template-version-blank",
        {"template_version": None},
        [("TEMPLATE_VERSION_UNKNOWN", E, INFO, "B9")],
    ),
    # --- "Chỉ tiêu"
    Case("value-blank", {"values": vals(TIN_BAI=None)}, [("VALUE_BLANK", W, EL, "E2")]),
    Case(
        "value-as-text",
        {"values": vals(TIN_BAI="1.234", KINH_PHI="12,5")},
        [("VALUE_AS_TEXT", W, EL, "E2"), ("VALUE_AS_TEXT", W, EL, f"E{row_of('KINH_PHI')}")],
    ),
    Case(
        "value-not-number", {"values": vals(TIN_BAI="nhiều")}, [("VALUE_NOT_NUMBER", E, EL, "E2")]
    ),
    Case(
        "value-date-is-not-number",
        {"values": vals(TIN_BAI=date(2025, 9, 1))},
        [("VALUE_NOT_NUMBER", E, EL, "E2")],
    ),
    Case("value-negative", {"values": vals(TIN_BAI=-1)}, [("VALUE_NEGATIVE", E, EL, "E2")]),
    Case(
        "value-not-whole",
        {"values": vals(TIN_BAI=2.5, LANH_DAO_TONG="10,5", LANH_DAO_DA_PHO_BIEN=1)},
        [
            ("VALUE_NOT_WHOLE", E, EL, "E2"),
            ("VALUE_AS_TEXT", W, EL, f"E{row_of('LANH_DAO_TONG')}"),
            ("VALUE_NOT_WHOLE", E, EL, f"E{row_of('LANH_DAO_TONG')}"),
        ],
    ),
    Case(
        "value-not-yes-no",
        {"values": vals(CO_KE_HOACH=2)},
        [("VALUE_NOT_YES_NO", E, EL, f"E{row_of('CO_KE_HOACH')}")],
    ),
    Case(
        "element-unknown",
        {"values": vals(KHONG_CO=1)},
        [("ELEMENT_UNKNOWN", E, EL, f"A{len(vals()) + 2}")],
    ),
    Case(
        "element-not-assigned",
        {"values": vals(CHUONG_TRINH_PTTH=1)},
        [("ELEMENT_NOT_ASSIGNED", E, EL, f"A{len(vals()) + 2}")],
    ),
    Case(
        "element-duplicate",
        {
            "element_rows": [[c, "", "", "", v, None] for c, v in vals().items()]
            + [["TIN_BAI", "", "", "", 3, None]]
        },
        [("ELEMENT_DUPLICATE", E, EL, "A2"), ("ELEMENT_DUPLICATE", E, EL, f"A{len(vals()) + 2}")],
    ),
    Case("element-missing", {"values": vals(MO_HINH_MOI=DROP)}, [("ELEMENT_MISSING", E, EL, None)]),
    Case(
        "value-above-total",
        {"values": vals(LANH_DAO_DA_PHO_BIEN=11, TO_CNSCD_DA_TAP_HUAN="12")},
        [
            ("VALUE_ABOVE_TOTAL", E, EL, f"E{row_of('LANH_DAO_DA_PHO_BIEN')}"),
            ("VALUE_AS_TEXT", W, EL, f"E{row_of('TO_CNSCD_DA_TAP_HUAN')}"),
            ("VALUE_ABOVE_TOTAL", E, EL, f"E{row_of('TO_CNSCD_DA_TAP_HUAN')}"),
        ],
    ),
    # --- "Hoạt động"
    Case(
        "activity-date-invalid",
        {"activities": acts(date="32/06/2025")},
        [("ACTIVITY_DATE_INVALID", E, ACT, "B2")],
    ),
    Case(
        "activity-date-blank",
        {"activities": acts(date=None)},
        [("ACTIVITY_DATE_INVALID", E, ACT, "B2")],
    ),
    Case(
        "activity-date-after-window",
        {"activities": acts(date=date(2025, 9, 15))},
        [("ACTIVITY_DATE_OUTSIDE", W, ACT, "B2")],
    ),
    Case(
        "activity-date-before-window",
        {"activities": acts(date="14/06/2025")},
        [("ACTIVITY_DATE_OUTSIDE", W, ACT, "B2")],
    ),
    Case(
        "activity-type-unknown",
        {"activities": acts(type="hop_bao")},
        [("ACTIVITY_TYPE_UNKNOWN", E, ACT, "C2")],
    ),
    Case(
        "activity-type-blank",
        {"activities": acts(type=None)},
        [("ACTIVITY_TYPE_UNKNOWN", E, ACT, "C2")],
    ),
    Case(
        "activity-channel-unknown",
        {"activities": acts(channel="facebook")},
        [("ACTIVITY_CHANNEL_UNKNOWN", E, ACT, "D2")],
    ),
    Case(
        "activity-quantity-zero",
        {"activities": acts(quantity=0)},
        [("ACTIVITY_QUANTITY_INVALID", E, ACT, "F2")],
    ),
    Case(
        "activity-quantity-fraction",
        {"activities": acts(quantity=1.5)},
        [("ACTIVITY_QUANTITY_INVALID", E, ACT, "F2")],
    ),
    Case(
        "activity-quantity-blank",
        {"activities": acts(quantity=None)},
        [("ACTIVITY_QUANTITY_INVALID", E, ACT, "F2")],
    ),
    Case(
        "activity-quantity-text",
        {"activities": acts(quantity="một")},
        [("ACTIVITY_QUANTITY_INVALID", E, ACT, "F2")],
    ),
    Case(
        "activity-reach-negative",
        {"activities": acts(reach=-5)},
        [("ACTIVITY_REACH_INVALID", E, ACT, "G2")],
    ),
    Case(
        "activity-reach-text",
        {"activities": acts(reach="rất nhiều")},
        [("ACTIVITY_REACH_INVALID", E, ACT, "G2")],
    ),
    Case(
        "activity-cost-negative",
        {"activities": acts(cost=-0.5)},
        [("ACTIVITY_COST_INVALID", E, ACT, "H2")],
    ),
    Case(
        "activity-cost-text",
        {"activities": acts(cost="không rõ")},
        [("ACTIVITY_COST_INVALID", E, ACT, "H2")],
    ),
    Case(
        "evidence-url-javascript",
        {"activities": acts(url="javascript:alert(1)")},
        [("EVIDENCE_URL_UNSAFE", W, ACT, "I2")],
    ),
    Case(
        "evidence-url-file",
        {"activities": acts(url="file:///etc/passwd")},
        [("EVIDENCE_URL_UNSAFE", W, ACT, "I2")],
    ),
    Case(
        "evidence-url-no-scheme",
        {"activities": acts(url="www.danang.gov.vn/tin/1")},
        [("EVIDENCE_URL_UNSAFE", W, ACT, "I2")],
    ),
    Case(
        "activity-window-skipped-without-period",
        {"period": "abc", "activities": acts(date=date(2020, 1, 1))},
        [("PERIOD_INVALID", E, INFO, "B4")],
    ),
    # --- "Thuyết minh"
    Case(
        "narrative-too-long",
        {"narratives": {**b.DEFAULT_NARRATIVES, "de_xuat": "Đề xuất. " * 500}},
        [("NARRATIVE_TOO_LONG", W, NAR, "B3")],
    ),
    # --- structure problems reported by the reader are not followed by noise
    Case("sheet-info-missing", {"drop_sheets": [INFO]}, [("SHEET_MISSING", E, INFO, None)]),
    Case("sheet-elements-missing", {"drop_sheets": [EL]}, [("SHEET_MISSING", E, EL, None)]),
    Case("sheet-activities-missing", {"drop_sheets": [ACT]}, [("SHEET_MISSING", E, ACT, None)]),
    Case(
        "column-missing",
        {
            "element_header": [
                "Mã chỉ tiêu",
                "Tên chỉ tiêu",
                "Đơn vị tính",
                "Loại",
                "Số liệu",
                "Ghi chú",
            ]
        },
        [("COLUMN_MISSING", E, EL, "E1")],
    ),
]


def _hand_built() -> Submission:
    """A submission built in code (no raw cells), as other steps or tests may make."""
    values = [
        ElementValue(row=i, code=c, raw=v, value=float(v))
        for i, (c, v) in enumerate(vals().items(), start=2)
    ]
    return Submission(
        file_name="hand.xlsx",
        key="hand",
        unit_code="P_HAI_CHAU",
        period_id="2025Q3",
        template_version=1,
        header=Header(
            unit_name="UBND phường Hải Châu", preparer="B", prepared_on=date(2025, 9, 10)
        ),
        values=values,
        activities=[
            Activity(
                row=2,
                activity_date=date(2025, 7, 1),
                activity_type="tin_bai",
                channel="bao_in",
                quantity=2,
                evidence_url="javascript:x",
            )
        ],
    )


@dataclass
class Run:
    read: dict[str, Submission]  # as read: the input of validate_batch
    before: dict[str, Submission]  # deep copies of `read` taken before validation
    report: ValidationReport
    validated: dict[str, Submission]  # report.apply(...) of each


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    tmp = tmp_path_factory.mktemp("validate")
    settings = Settings()
    subs = {}
    for case in CASES:
        path = b.build_workbook(tmp / f"{case.id}.xlsx", **case.kwargs)
        subs[case.id] = read_submission(path, path.name, case.id, settings)
    subs["unreadable"] = read_submission(
        b.write_xls_bytes(tmp / "old.xls"), "old.xls", "unreadable", settings
    )
    subs["hand"] = _hand_built()
    before = copy.deepcopy(subs)
    report = validate_batch(list(subs.values()), load_catalog(), CTX)
    return Run(subs, before, report, {k: report.apply(s) for k, s in subs.items()})


@pytest.fixture(scope="module")
def batch(run) -> dict[str, Submission]:
    return run.validated


def found(sub: Submission) -> list[tuple]:
    return [(m.rule, m.severity, m.sheet, m.cell) for m in sub.messages]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(batch, case):
    sub = batch[case.id]
    if case.exact:
        assert sorted(found(sub), key=str) == sorted(case.expected, key=str), [
            m.message_en for m in sub.messages
        ]
    else:
        for item in case.expected:
            assert item in found(sub)
    for msg in sub.messages:
        assert msg.message_vi and msg.message_en and "{" not in msg.message_vi + msg.message_en
        if msg.cell:
            assert (
                msg.cell in msg.message_vi
                or msg.rule in {"COLUMN_MISSING"}
                or msg.cell in msg.message_en
            )


def test_status_follows_severity(batch):
    assert batch["valid"].status == "accepted"
    assert batch["value-blank"].status == "accepted_with_warnings"
    assert batch["value-negative"].status == "rejected"


def test_unreadable_submissions_are_left_alone(batch):
    assert [m.rule for m in batch["unreadable"].messages] == ["FILE_FORMAT_XLS"]


def test_validation_leaves_its_input_untouched(run):
    assert run.read == run.before  # every field of every submission, deeply
    assert set(run.report.findings) == set(run.read) - {"unreadable"}
    # ... while the validated submissions carry the findings and the cleaning
    assert run.validated["valid"] is not run.read["valid"]
    assert "VALUE_NEGATIVE" in [m.rule for m in run.validated["value-negative"].messages]
    assert "VALUE_NEGATIVE" not in [m.rule for m in run.read["value-negative"].messages]
    named = run.read["valid-activity-names-for-codes"].activities[0]
    assert (named.activity_type, named.channel) == ("Tin, bài, phóng sự", "Mạng xã hội")
    assert run.read["evidence-url-javascript"].activities[0].evidence_url == "javascript:alert(1)"
    assert run.read["hand"].activities[0].evidence_url == "javascript:x"
    assert len(run.read["narrative-too-long"].narratives["de_xuat"]) > 4000
    # the unreadable file is not validated: apply gives it back as it is
    assert run.validated["unreadable"] is run.read["unreadable"]


def test_submissions_of_a_batch_need_distinct_keys():
    one, two = _hand_built(), _hand_built()
    with pytest.raises(ValueError, match="hand"):
        validate_batch([one, two], load_catalog(), CTX)


def test_hand_built_submission(batch):
    sub = batch["hand"]
    assert [(m.rule, m.cell) for m in sub.messages] == [("EVIDENCE_URL_UNSAFE", "I2")]
    assert sub.activities[0].evidence_url is None


def test_values_are_cleaned(batch):
    assert batch["value-blank"].values[0].value is None
    assert batch["value-as-text"].values[0].value == 1234.0
    assert (
        batch["value-not-number"].values[0].value is None
        and batch["value-not-number"].values[0].raw == "nhiều"
    )
    for case in ("evidence-url-javascript", "evidence-url-file", "evidence-url-no-scheme"):
        assert batch[case].activities[0].evidence_url is None
    assert batch["valid"].activities[0].evidence_url == "https://danang.gov.vn/tin/1"
    named = batch["valid-activity-names-for-codes"].activities[0]
    assert (named.activity_type, named.channel) == ("tin_bai", "mang_xa_hoi")
    assert len(batch["narrative-too-long"].narratives["de_xuat"]) == 4000


def test_messages_say_where_and_what(batch):
    msg = batch["value-above-total"].messages[0]
    assert msg.rule == "VALUE_ABOVE_TOTAL"
    assert "E11" in msg.message_vi and "E12" in msg.message_vi  # both cells named
    locked = batch["period-locked"].messages[0]
    assert "phòng tổng hợp" in locked.message_vi and "Quý II/2025" in locked.message_vi
    unit = batch["unit-inactive"].messages[0]
    assert "P_HAI_CHAU_I" in unit.message_vi and "31/12/2024" in unit.message_vi
    text = batch["value-as-text"].messages[0]
    assert "1.234" in text.message_vi and "1234" in text.message_vi


def test_messages_are_ordered_by_sheet_and_row(batch):
    sub = batch["unit-unknown-still-checks-values"]
    assert [m.sheet for m in sub.messages] == [INFO, EL]


def test_every_rule_is_tested():
    tested = {item[0] for case in CASES for item in case.expected}
    tested |= {c[3] for c in FILE_CASES} | PARSE_RULES | {"FILE_TOO_LARGE"}
    plausibility = {c for c, r in load_rules().items() if r.check == "plausibility"}  # own tests
    assert set(load_rules()) - {"DUPLICATE_FILE"} - plausibility - tested == set()


def test_expectation_specs():
    rules = load_rules()
    specs = load_specs()
    gx_rules = {code for code, rule in rules.items() if rule.check == "gx"}
    assert {s.rule for s in specs} == gx_rules
    for code, rule in rules.items():
        assert rule.message_vi and rule.message_en, code


def test_empty_batches():
    assert validate_batch([], load_catalog(), CTX).findings == {}
    sub = Submission(file_name="x", key="x", readable=False)
    report = validate_batch([sub], load_catalog(), CTX)
    assert report.findings == {} and report.apply(sub) is sub
    assert sub.messages == []


def test_batch_of_70_is_one_gx_run(batch, monkeypatch):
    """70 submissions are validated by ONE Great Expectations call over one stacked frame (one
    suite per frame kind; its speed is measured by bench/run.py, "validate (1 GX call)"; tests never
    assert timing)."""
    template = batch["valid"]
    subs = []
    for i in range(70):
        sub = copy.deepcopy(template)
        sub.key = f"s{i}"
        sub.activities = sub.activities * 5
        subs.append(sub)
    runs = []
    real = expectations.run_expectations

    def counted(frame, parameters):
        runs.append(sorted(frame["sub_key"].unique()))
        return real(frame, parameters)

    monkeypatch.setattr(expectations, "run_expectations", counted)
    report = validate_batch(subs, load_catalog(), CTX)
    assert runs == [sorted(f"s{i}" for i in range(70))]
    assert all(report.apply(s).messages == [] for s in subs)
    assert all(len(report.findings[s.key].activities) == 5 * len(template.activities) for s in subs)


def test_gx_runs_per_frame_kind_in_canonical_order(run, monkeypatch):
    """One GX validation per frame kind finds exactly what one validation of the whole stacked
    frame finds (each expectation restricted to its frame by a row condition, as it used to run),
    and returns the failures in one order: by spec, then row."""
    captured = {}
    real = expectations.run_expectations

    def spy(frame, parameters):
        captured["frame"], captured["parameters"] = frame, parameters
        captured["failures"] = real(frame, parameters)
        return captured["failures"]

    monkeypatch.setattr(expectations, "run_expectations", spy)
    validate_batch(copy.deepcopy(list(run.before.values())), load_catalog(), CTX)
    frame, failures = captured["frame"], captured["failures"]
    pairs = [(f.spec.index, f.rid) for f in failures]
    assert pairs == sorted(set(pairs))
    assert len({f.spec.frame for f in failures}) >= 2 and len({f.spec.index for f in failures}) >= 3
    assert all(frame["frame"].iloc[f.rid] == f.spec.frame for f in failures)

    # the oracle: every spec in ONE suite over the stacked frame, its frame as a row condition
    from great_expectations.expectations.row_conditions import AndCondition, Column

    gx = expectations._import_gx()
    specs = [s for s in load_specs() if s.frame in set(frame["frame"])]
    suite = gx.ExpectationSuite(name="whole")
    for spec in specs:
        own = expectations._condition(spec)
        condition = Column("frame") == spec.frame
        if own is not None:
            condition = AndCondition(conditions=[condition, own])
        suite.add_expectation(
            getattr(gx.expectations, spec.class_name)(
                **spec.kwargs, row_condition=condition, meta={"spec": spec.index}
            )
        )
    batch = (
        expectations._context(gx)
        .data_sources.add_pandas("oracle")
        .add_dataframe_asset("all")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": expectations.INDEX_COLUMNS,
            "return_unexpected_index_query": False,
        },
        expectation_parameters=captured["parameters"],
    )
    whole = {
        (item.expectation_config.meta["spec"], int(u["rid"] if isinstance(u, dict) else u))
        for item in result.results
        for u in item.result.get("unexpected_index_list") or []
    }
    assert set(pairs) == whole
