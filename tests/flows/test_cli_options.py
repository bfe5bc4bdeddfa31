"""The `dxreport` command line itself (no Prefect run): usage errors, common options, --now,
--period defaults, the status table, and what starting the command imports."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("prefect", "great_expectations", "weasyprint", "pandas")


def test_a_mistyped_verb_suggests_the_right_one(capsys):
    assert main(["reprot", "--period", "2025Q3"]) == 2
    err = capsys.readouterr().err
    assert "'reprot'" in err and "'report'" in err
    assert "Có phải ý bạn là 'report'?" in err and "Did you mean 'report'?" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 2


@pytest.mark.parametrize(
    "argv, vi, en",
    [
        (["intake", "--perod", "2025Q3"], "Không có tùy chọn --perod", "No such option"),
        (["report", "--period"], "cần một giá trị", "requires an argument"),
        (["catalog", "add-units"], "Thiếu tham số FILE.csv", "Missing argument"),
        (["server", "--port", "abc"], "Giá trị không hợp lệ cho '--port'", "Invalid value"),
        (["catalog"], "Thiếu lệnh; các lệnh: add-units", "Missing command"),
    ],
)
def test_usage_errors_are_one_bilingual_message(argv, vi, en, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and vi in lines[0] and en in lines[1] and lines[1].startswith("[EN]")
    assert "--help" in lines[0] and "Traceback" not in err


def test_help_is_bilingual_and_lists_the_verbs(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for verb in ("demo", "template", "intake", "report", "status", "catalog", "server"):
        assert verb in out
    assert "Tiếp nhận mọi tệp trong inbox/" in out and "Take every file in inbox/" in out
    assert main(["report", "--help"]) == 0
    out = capsys.readouterr().out
    assert "2025Q3" in out and "Q3/2025" in out and "Quý III/2025" in out


def test_status_defaults_to_the_latest_closed_quarter(make_settings, capsys):
    home = str(make_settings().paths.home)
    assert main(["status", "--home", home, "--now", "2025-10-05T08:00:00+07:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["period"] == "2025Q3"
    assert main(["--now", "2026-01-02T09:00:00+07:00", "status", "--home", home, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["period"] == "2025Q4"


def test_now_means_what_dxreport_now_means(make_settings, capsys, monkeypatch):
    home = str(make_settings().paths.home)
    monkeypatch.setenv("DXREPORT_NOW", "2025-10-05T08:00:00+07:00")
    assert main(["status", "--home", home, "--json"]) == 0
    from_env = json.loads(capsys.readouterr().out)
    monkeypatch.delenv("DXREPORT_NOW")
    assert main(["status", "--home", home, "--json", "--now", "2025-10-05T08:00:00+07:00"]) == 0
    assert json.loads(capsys.readouterr().out) == from_env
    assert "DXREPORT_NOW" not in os.environ  # set for the command only


def test_a_bad_now_is_a_usage_error(tmp_path, capsys):
    assert main(["status", "--home", str(tmp_path), "--now", "hôm nay"]) == 2
    err = capsys.readouterr().err
    assert "--now" in err and "hôm nay" in err and "Traceback" not in err


class FakeFlow:
    """Stands for a flow: records its parameters (no Prefect run)."""

    def __init__(self, result: dict):
        self.result, self.calls = result, []

    def __call__(self, **params):
        self.calls.append(params)
        return self.result


@pytest.fixture
def fake_flows(monkeypatch):
    """`report`/`template` with their flows replaced: what the command passes to them."""
    from flows.cli import api, verbs

    flows = {
        "report": FakeFlow({"pdf_path": "/x/bao-cao.pdf", "pages": 3, "final": False}),
        "template": FakeFlow({"files": [], "out_dir": "/x"}),
    }
    monkeypatch.setattr(api, "choose_api", lambda home: api.ApiChoice("embedded", home))
    monkeypatch.setattr(verbs, "_flow", lambda verb: (flows[verb], lambda result: "ok"))
    return flows


def test_period_left_to_the_flows_default(fake_flows, tmp_path):
    home = str(tmp_path / "ws")
    assert main(["report", "--home", home]) == 0
    assert main(["template", "--home", home, "--unit", "A", "B", "--unit", "C"]) == 0
    (report,), (template,) = fake_flows["report"].calls, fake_flows["template"].calls
    assert report["period"] is None and report["final"] is False  # the deployment's default
    assert template["period"] is None and sorted(template["units"]) == ["A", "B", "C"]
    assert report["home"] == template["home"] == str(Path(home).resolve())


def test_period_and_now_passed_to_the_flow(fake_flows, tmp_path):
    now = "2025-10-05T08:00:00+07:00"
    assert (
        main(
            [
                "report",
                "--period",
                "Quý II/2025",
                "--final",
                "--reviewer",
                "Lê Thị Duyệt",
                "--approve",
                "--now",
                now,
                "--home",
                str(tmp_path),
            ]
        )
        == 0
    )
    (call,) = fake_flows["report"].calls
    assert (call["period"], call["final"], call["now"]) == ("2025Q2", True, now)


def test_status_prints_a_table(make_settings, catalog, tmp_path, capsys):
    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(settings, build_workbook(tmp_path / "a.xlsx", unit_code="P_HAI_CHAU", period="2025Q3"))
    run(settings, catalog)
    assert main(["status", "--period", "2025Q3", "--home", str(settings.paths.home)]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = lines[0]
    assert (
        head.startswith("Quý III/2025 (2025Q3): ")
        and "đơn vị phải báo cáo / units expected" in head
    )
    assert "Đúng hạn (on_time): 1" in head and "Chưa gửi (missing): " in head
    assert "Đơn vị / Unit" in lines[1] and "Tình trạng / Status" in lines[1]
    row = next(line for line in lines if line.startswith("P_HAI_CHAU "))
    assert "Đúng hạn (on_time)" in row and " v1 " in row and "16/09/2025 08:00" in row
    missing = next(line for line in lines if line.startswith("P_SON_TRA "))
    assert "Chưa gửi (missing)" in missing


def _imported_after(argv: list[str]) -> set[str]:
    code = (
        "import sys\nfrom flows.cli import main\n"
        f"main({argv!r})\n"
        f"print(sorted(m for m in {HEAVY!r} + ('prefect.server.api.server',) if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    return set(eval(done.stdout.strip().splitlines()[-1]))  # noqa: S307 - our own print


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["reprot"], ["status", "--period", "2025Q3"], ["report", "--period", "2025Q9"]],
)
def test_starting_the_command_imports_nothing_heavy(argv, tmp_path):
    assert (
        _imported_after([*argv, "--home", str(tmp_path)] if argv != ["--help"] else argv) == set()
    )


def test_an_empty_inbox_imports_no_reader_validator_or_cluster(tmp_path):
    """Issue 9: a run with nothing new does no work. The whole `dxreport intake` on an empty inbox
    (Prefect's temporary API included) imports neither Great Expectations nor pandas, openpyxl,
    Dask or WeasyPrint."""
    heavy = (
        "great_expectations",
        "pandas",
        "openpyxl",
        "dask",
        "distributed",
        "prefect_dask",
        "weasyprint",
        "matplotlib",
    )
    code = (
        "import sys\nfrom flows.cli import main\n"
        f"code = main(['intake', '--home', {str(tmp_path)!r}])\n"
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert "Hộp thư trống" in done.stdout, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout


COLLECTOR = """
import gc, sys
from flows import cli
seen = []
real = cli.imports_done
def spy():
    seen.append(("before", gc.isenabled()))
    real()
    seen.append(("after", gc.isenabled(), gc.get_freeze_count() > 0))
cli.imports_done = spy
import flows.cli.verbs as verbs
verbs.imports_done = spy
sys.argv = ["dxreport", *sys.argv[1:]]
code = cli.main()
print(code, seen, gc.isenabled())
"""


@pytest.mark.parametrize("argv", [["intake"], ["status", "--period", "2025Q3"]])
def test_the_console_script_imports_without_the_collector_then_turns_it_on(argv, tmp_path):
    """`dxreport` (main() of the console script) imports with the garbage collector off, then
    freezes what it imported and turns it on before the verb does its work; a flow verb too."""
    done = subprocess.run(
        [sys.executable, "-c", COLLECTOR, *argv, "--home", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last == "0 [('before', False), ('after', True, True)] True", done.stdout + done.stderr


def test_a_program_calling_main_keeps_its_collector(tmp_path):
    import gc

    frozen = gc.get_freeze_count()
    assert main(["status", "--period", "2025Q3", "--home", str(tmp_path)]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()  # a program that runs without it: main(argv) leaves it so
    try:
        main(["status", "--period", "2025Q3", "--home", str(tmp_path)])
        assert not gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
