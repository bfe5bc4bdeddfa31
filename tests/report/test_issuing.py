"""Issuing a report (issue 7): a final report needs a number and a signer, bears a working day, is
written once and registered; the PDF is PDF/A-3b with its data and manifest attached, bookmarks,
metadata and internal links, and the same inputs give the same bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from flows.cli import main
from tasks.core.periods import Period
from tasks.report.issue import issue_report, render_report
from tasks.report.signature import IssueRefusedError
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run

Q3 = Period.parse("2025Q3")
SATURDAY = "2025-09-20T10:00:00+07:00"


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


@pytest.fixture
def loaded(make_settings, catalog, tmp_path):
    """A workspace with one accepted submission for 2025Q3 (P_HAI_CHAU, TIN_BAI 13)."""
    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(settings, build_workbook(tmp_path / "src" / "v1.xlsx", values={"TIN_BAI": 13}))
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"].startswith("accepted")
    return settings, receipt


def test_a_final_report_without_signer_or_with_a_bad_number_is_refused(
    loaded, make_settings, catalog
):
    settings, _ = loaded
    with pytest.raises(IssueRefusedError) as refused:
        issue_report(make_settings(now=SATURDAY), catalog, Q3, final=True)
    assert "người ký (--signer" in refused.value.message_vi
    assert "số văn bản" not in refused.value.message_vi  # the register gives the next number
    assert refused.value.exit_code == 2
    assert not (settings.paths.report_dir("2025Q3") / "bao-cao-2025Q3.pdf").exists()
    with pytest.raises(IssueRefusedError) as invalid:
        issue_report(make_settings(now=SATURDAY), catalog, Q3, final=True, number="12a", signer="A")
    assert "chỉ gồm chữ số" in invalid.value.message_vi


def test_numbers_come_from_the_register_one_after_the_other(loaded, make_settings, catalog):
    first = issue_report(make_settings(now=SATURDAY), catalog, Q3, final=True, signer="A")
    assert first.doc_number.startswith("Số: 1/BC-")
    later = make_settings(now="2025-12-19T10:00:00+07:00", report_number_start=40)
    q4 = issue_report(later, catalog, Q3.next(), final=True, signer="A")
    assert q4.doc_number.startswith("Số: 2/BC-")  # the register's next, not the configured start


def test_the_command_line_refuses_a_final_report_without_a_decision_or_signer(loaded, capsys):
    settings, _ = loaded
    argv = ["report", "--period", "2025Q3", "--final", "--home", str(settings.paths.home)]
    code = main([*argv, "--now", SATURDAY, "--signer", "Trần Văn Minh"])
    err = capsys.readouterr().err
    assert code == 2 and "người duyệt" in err and "Traceback" not in err
    assert not settings.paths.report_dir("2025Q3").exists()  # refused before any rendering
    code = main([*argv, "--now", SATURDAY, "--reviewer", "Lê Thị Duyệt", "--reject"])
    err = capsys.readouterr().err
    assert code == 2 and "lý do" in err and "Traceback" not in err


def test_issued_means_immutable(loaded, make_settings, catalog):
    settings, receipt = loaded
    home = settings.paths.home
    draft = render_report(make_settings(now="2025-09-18T10:00:00+07:00"), catalog, Q3)
    assert Path(draft.pdf_path).name == "bao-cao-2025Q3-du-thao.pdf" and not draft.final

    issued = issue_report(
        make_settings(now=SATURDAY), catalog, Q3, final=True, number="125", signer="Trần Văn Minh"
    )
    pdf = Path(issued.pdf_path)
    assert pdf.name == "bao-cao-2025Q3.pdf" and issued.locked
    assert issued.issued_on == "2025-09-22"  # Saturday 20/09 -> Monday 22/09/2025
    assert issued.doc_number == "Số: 125/BC-SKHCN"
    text = _text(pdf)
    assert "Đà Nẵng, ngày 22 tháng 9 năm 2025" in text
    assert "Số: 125/BC-SKHCN" in text and "Trần Văn Minh" in text and "DỰ THẢO" not in text
    sha, mtime = _sha(pdf), pdf.stat().st_mtime_ns
    manifest = (pdf.parent / "manifest.json").read_text(encoding="utf-8")

    # asked again, later, as final or as a draft: the issued file, untouched
    for final in (True, False):
        again = issue_report(
            make_settings(now="2025-12-01T09:00:00+07:00"), catalog, Q3, final=final, number="9"
        )
        assert again.already_issued and again.pdf_path == str(pdf)
        assert again.issued_on == "2025-09-22" and again.doc_number == "Số: 125/BC-SKHCN"
        assert (_sha(pdf), pdf.stat().st_mtime_ns) == (sha, mtime)
        assert (pdf.parent / "manifest.json").read_text(encoding="utf-8") == manifest

    # registered in DuckDB
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT issue_no, doc_number, signer, issued_on::VARCHAR, pdf_path, pdf_sha256 "
            "FROM issued_reports"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        (1, "125", "Trần Văn Minh", "2025-09-22", "reports/2025Q3/bao-cao-2025Q3.pdf", sha)
    ]

    # lost: rendered again to the registered bytes
    pdf.unlink()
    back = issue_report(make_settings(now="2025-12-01T09:00:00+07:00"), catalog, Q3)
    assert back.already_issued and _sha(pdf) == sha
    assert not list(pdf.parent.glob("*.rerender"))
    del home, receipt


def test_the_pdf_is_an_archival_record(loaded, make_settings, catalog):
    settings, receipt = loaded
    issued = issue_report(
        make_settings(now=SATURDAY), catalog, Q3, final=True, number="125", signer="Trần Văn Minh"
    )
    reader = PdfReader(issued.pdf_path)
    # PDF/A-3b identification and metadata
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert reader.trailer["/Root"]["/Lang"] == "vi"
    info = reader.metadata
    assert info.title.startswith("Báo cáo kết quả thực hiện Đề án truyền thông Chuyển đổi số")
    assert info.author == "Sở Khoa học và Công nghệ"
    assert "Quý III/2025" in info.subject
    assert "/OutputIntents" in reader.trailer["/Root"]
    # attachments: the values as CSV and the manifest
    files = reader.attachments
    assert set(files) == {"so-lieu-2025Q3.csv", "manifest-2025Q3.json"}
    rows = list(csv.DictReader(io.StringIO(files["so-lieu-2025Q3.csv"][0].decode("utf-8"))))
    tin_bai = [r for r in rows if r["element_code"] == "TIN_BAI"]
    assert [(r["unit_code"], r["version"], float(r["value"])) for r in tin_bai] == [
        ("P_HAI_CHAU", "1", 13.0)
    ]
    attached = json.loads(files["manifest-2025Q3.json"][0])
    assert attached["inputs"] == [
        {
            "unit": "P_HAI_CHAU",
            "version": 1,
            "sha256": receipt["sha256"],
            "received_at": "2025-09-16T08:00:00+07:00",
        }
    ]
    assert attached["doc_number"] == "Số: 125/BC-SKHCN" and attached["signer"] == "Trần Văn Minh"
    for key in ("catalog_sha256", "template_sha256", "code_version", "data_sha256"):
        assert attached[key]
    on_disk = json.loads((Path(issued.pdf_path).parent / "manifest.json").read_text())
    assert on_disk["pdf_sha256"] == _sha(Path(issued.pdf_path))
    # bookmarks for every section and annex
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    for expected in (
        "I. KẾT QUẢ THỰC HIỆN",
        "II. ĐÁNH GIÁ",
        "III. KHÓ KHĂN, VƯỚNG MẮC",
        "IV. NHIỆM VỤ QUÝ TỚI",
        "V. ĐỀ XUẤT, KIẾN NGHỊ",
        *(f"Biểu số 0{n}" for n in range(1, 8)),
    ):
        assert any(t.startswith(expected) for t in titles), (expected, titles)
    # internal links from the body's figures to the annexes
    links = [
        a.get_object()
        for page in reader.pages
        for a in page.get("/Annots") or []
        if a.get_object().get("/Subtype") == "/Link"
    ]
    internal = [a for a in links if "/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) >= len(catalog.indicators) + len(catalog.monitoring)


def test_the_same_inputs_give_the_same_bytes(loaded, make_settings, catalog):
    first = render_report(make_settings(now="2025-09-18T10:00:00+07:00"), catalog, Q3)
    sha = _sha(Path(first.pdf_path))
    second = render_report(make_settings(now="2025-09-18T16:30:00+07:00"), catalog, Q3, force=True)
    assert not second.reused  # rendered again (force), not the cached draft
    assert _sha(Path(second.pdf_path)) == sha


def test_a_long_report_starts_its_fork_server_before_the_model_is_built(
    loaded, catalog, monkeypatch
):
    """The parts' fork server imports the renderer on the other core while the model is built
    (tasks/report/parts.py: likely_split, warm_up); a short report starts none."""
    from tasks.report import build, parts

    settings, _ = loaded
    calls: list[str] = []
    monkeypatch.setattr(parts, "default_workers", lambda: 2)  # any machine, even a single core
    monkeypatch.setattr(parts, "warm_up", lambda: calls.append("fork server"))
    model = build.build_report_model
    monkeypatch.setattr(
        build, "build_report_model", lambda *a, **k: calls.append("model") or model(*a, **k)
    )
    render_report(settings, catalog, Q3, force=True)
    assert calls == ["model"]  # the test catalogue's units: a short report, rendered whole
    calls.clear()
    monkeypatch.setattr(parts, "UNIT_COST", parts.MIN_SPLIT_COST)  # as if each unit were long
    result = render_report(settings, catalog, Q3, force=True)
    assert calls == ["fork server", "model"]
    assert result.pages > 1 and Path(result.pdf_path).is_file()
