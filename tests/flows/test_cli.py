"""The command line without Prefect: usage errors (exit 2), status, catalogue updates."""

import json

import pytest

from flows.cli import main
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["bogus"],
        ["reprot"],
        ["report", "--period"],  # --period is optional (latest closed quarter), not its value
        ["report", "--period", "2025Q9"],
        ["status", "--period", "Quý V/2025"],
        ["template", "--period", "hôm qua"],
        ["catalog"],
        ["intake", "--no-such-flag"],
    ],
)
def test_usage_errors_exit_2_without_traceback(argv, capsys, tmp_path):
    assert (
        main([*argv, "--home", str(tmp_path)] if argv and argv[0] not in ("catalog",) else argv)
        == 2
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_status_json_and_text(make_settings, catalog, tmp_path, capsys):
    settings = make_settings()
    drop(settings, build_workbook(tmp_path / "a.xlsx", unit_code="P_HAI_CHAU", period="2025Q3"))
    run(settings, catalog)
    assert main(["status", "--period", "2025Q3", "--home", str(settings.paths.home), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    by_unit = {u["unit"]: u for u in result["units"]}
    assert by_unit["P_HAI_CHAU"]["status"] == "on_time" and by_unit["P_HAI_CHAU"]["version"] == 1
    assert by_unit["P_SON_TRA"]["status"] == "missing"
    assert result["expected"] == len(
        catalog.expected_units(None, __import__("datetime").date(2025, 9, 14))
    )
    assert main(["status", "--period", "Q3/2025", "--home", str(settings.paths.home)]) == 0
    text = capsys.readouterr().out
    assert "Quý III/2025" in text and "P_SON_TRA" in text


def test_catalog_add_units(tmp_path, capsys):
    home = tmp_path / "home"
    csv = tmp_path / "units.csv"
    csv.write_text(
        "code,name,type,valid_from,valid_to,successor_of\n"
        "X_TAM_KY_MOI,UBND xã Thử Nghiệm,phuong_xa,01/07/2025,,\n"
        "P_HOA_CUONG,UBND phường Hòa Cường (sửa),phuong_xa,2025-07-01,,P_BINH_THUAN;P_HOA_THUAN_TAY;P_HOA_CUONG_BAC;P_HOA_CUONG_NAM\n",
        encoding="utf-8",
    )
    assert main(["catalog", "add-units", str(csv), "--home", str(home)]) == 0
    assert "1" in capsys.readouterr().out
    from schemas.catalog_model import load_catalog

    cat = load_catalog(home / "catalog")
    assert cat.unit("X_TAM_KY_MOI").name == "UBND xã Thử Nghiệm"
    assert cat.unit("P_HOA_CUONG").name == "UBND phường Hòa Cường (sửa)"
    assert "OPERATOR" in (home / "catalog" / "units.yaml").read_text(
        encoding="utf-8"
    )  # comments kept


@pytest.mark.parametrize(
    "row, needle",
    [
        ("X_A,Tên,loai_sai,2025-07-01,,", "loai_sai"),
        ("X_B,Tên,phuong_xa,2025-07-01,,KHONG_CO", "KHONG_CO"),
        ("X_C,Tên,phuong_xa,31/02/2025,,", "dòng 2"),
        ("x-sai,Tên,phuong_xa,2025-07-01,,", "dòng 2"),
    ],
)
def test_catalog_add_units_rejects_bad_rows(tmp_path, capsys, row, needle):
    home = tmp_path / "home"
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "code,name,type,valid_from,valid_to,successor_of\n" + row + "\n", encoding="utf-8"
    )
    assert main(["catalog", "add-units", str(csv), "--home", str(home)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv" in err and needle in err and "Traceback" not in err
    from schemas.catalog_model import load_catalog

    cat = load_catalog(home / "catalog")  # nothing was written: the workspace catalogue still loads
    assert not {"X_A", "X_B", "X_C"} & set(cat.unit_by_code)


def test_common_options_before_or_after_the_verb(make_settings, capsys):
    settings = make_settings()
    home = str(settings.paths.home)
    assert main(["--home", home, "--json", "status", "--period", "2025Q3"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["status", "--period", "2025Q3", "--home", home, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == before


def test_bad_clock_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DXREPORT_NOW", "hôm nay")
    assert main(["status", "--period", "2025Q3", "--home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "DXREPORT_NOW" in err and "Traceback" not in err


def test_missing_csv_is_a_usage_error(tmp_path, capsys):
    assert (
        main(["catalog", "add-units", str(tmp_path / "khong-co.csv"), "--home", str(tmp_path)]) == 2
    )
    assert "khong-co.csv" in capsys.readouterr().err


def test_status_judges_timeliness_on_the_first_accepted_version(
    make_settings, catalog, tmp_path, capsys
):
    from tasks.core.settings import Settings

    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(settings, build_workbook(tmp_path / "v1.xlsx", unit_code="P_HAI_CHAU", period="2025Q3"))
    run(settings, catalog)
    late = Settings(home=settings.paths.home, now="2025-09-19T08:00:00+07:00")
    drop(
        late,
        build_workbook(
            tmp_path / "v2.xlsx", unit_code="P_HAI_CHAU", period="2025Q3", values={"TIN_BAI": 7}
        ),
    )
    run(late, catalog)
    assert main(["status", "--period", "2025Q3", "--home", str(settings.paths.home), "--json"]) == 0
    row = next(u for u in json.loads(capsys.readouterr().out)["units"] if u["unit"] == "P_HAI_CHAU")
    assert (row["status"], row["version"]) == ("on_time", 2)
    assert row["received_at"].startswith("2025-09-19")


def test_demo_replaces_only_an_earlier_demo(tmp_path):
    from flows.demo import DEMO_MARKER, prepare_home
    from tasks.core.errors import UsageError

    home = tmp_path / "ws"
    prepare_home(home)
    (home / "warehouse.duckdb").write_bytes(b"old demo")
    prepare_home(home)  # an earlier demo is replaced
    assert (home / DEMO_MARKER).exists() and not (home / "warehouse.duckdb").exists()
    real = tmp_path / "real"
    (real / "receipts").mkdir(parents=True)
    with pytest.raises(UsageError):
        prepare_home(real)  # a workspace with real data is never deleted
    assert (real / "receipts").is_dir()
