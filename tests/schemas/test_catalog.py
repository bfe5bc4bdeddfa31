"""The catalogue: the packaged YAML loads; broken catalogues fail naming file and entry."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from schemas.catalog_model import DEFAULT_CATALOG_DIR, load_catalog
from tasks.core.errors import CatalogError


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_unit_counts_follow_the_reorganisations(catalog):
    def count(day, unit_type):
        return sum(1 for u in catalog.expected_units(day, day) if u.type == unit_type)

    assert count(date(2024, 12, 14), "quan_huyen") == 7
    assert count(date(2024, 12, 14), "phuong_xa") == 51  # 56 minus five not named in our sources
    assert count(date(2025, 3, 14), "phuong_xa") == 47  # after 01/01/2025
    assert count(date(2025, 9, 14), "quan_huyen") == 0  # abolished 01/07/2025
    assert count(date(2025, 9, 14), "phuong_xa") == 16  # the former Đà Nẵng area of the 94
    assert count(date(2024, 12, 14), "doan_the") == 6


def test_successor_links(catalog):
    assert set(catalog.unit("P_HAI_CHAU_CU").successor_of) == {"P_HAI_CHAU_I", "P_HAI_CHAU_II"}
    assert set(catalog.unit("S_NNMT").successor_of) == {"S_TNMT", "S_NNPTNT"}
    assert catalog.current_successor("P_HAI_CHAU_I", date(2025, 9, 14)) == "P_HAI_CHAU"
    assert catalog.current_successor("S_TTTT", date(2025, 9, 14)) == "S_KHCN"
    assert catalog.unit("S_TTTT").valid_to == date(2025, 2, 28)


def test_issuer_changes_on_01_03_2025(catalog):
    assert catalog.issuer_on(date(2025, 2, 28)).name == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert catalog.issuer_on(date(2025, 3, 1)).name == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert catalog.issuer_on(date(2025, 3, 1)).doc_suffix == "BC-SKHCN"


def test_elements_by_unit_type(catalog):
    codes = lambda t: {e.code for e in catalog.elements_for_type(t)}  # noqa: E731
    assert {"TO_CNSCD_TONG", "TO_CNSCD_DA_TAP_HUAN"} <= codes("phuong_xa")
    assert "TO_CNSCD_TONG" not in codes("so_nganh")
    assert "LONG_GHEP_CHUONG_TRINH" in codes("doan_the") and "LONG_GHEP_CHUONG_TRINH" not in codes(
        "phuong_xa"
    )
    assert "LUOT_PHAT_TTCS" in codes("quan_huyen") and "LUOT_PHAT_TTCS" not in codes("so_nganh")
    assert len(catalog.data_elements) == 18


def test_indicators_and_targets(catalog):
    by = {i.code: i for i in catalog.indicators}
    assert list(by) == ["T1", "T2", "T3", "T4", "T5", "T6"]
    assert by["T1"].target_for(2025) == 1.0 and by["T1"].target_for(2024) is None
    assert by["T4"].target_for(2024) == 2
    assert by["T6"].target_for(2025) is None


def _broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(DEFAULT_CATALOG_DIR, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "file, old, new, entry",
    [
        (
            "units.yaml",
            "type: so_nganh, valid_from: 2022-01-01}",
            "type: so_ngành, valid_from: 2022-01-01}",
            "VP_UBND",
        ),
        ("units.yaml", "successor_of: [S_GTVT]", "successor_of: [S_KHONG_CO]", "S_XD"),
        ("units.yaml", "code: BQL_KCNC", "code: VP_UBND", "VP_UBND"),
        (
            "units.yaml",
            "valid_from: 2025-03-01, successor_of: [S_TNMT",
            "valid_from: 2025-04-01, successor_of: [S_TNMT",
            "S_NNMT",
        ),
        (
            "units.yaml",
            'Truyền hình Đà Nẵng", type: so_nganh, valid_from: 2022-01-01',
            'Truyền hình Đà Nẵng", type: so_nganh, valid_from: 2022-13-01',
            "DAI_PTTH",
        ),
        (
            "data_elements.yaml",
            'kind: flow, uom: "tin/bài"',
            'kind: flux, uom: "tin/bài"',
            "TIN_BAI",
        ),
        ("indicators.yaml", "numerator: LOP_BAO_CAO_VIEN", "numerator: LOP_KHONG_CO", "T4"),
        ("units.yaml", "units:\n", "units:\n  - [", "units.yaml"),
    ],
)
def test_broken_catalogue_names_file_and_entry(tmp_path, file, old, new, entry):
    folder = _broken(tmp_path, file, old, new)
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    err = info.value
    assert err.file == file
    assert entry in f"{err.entry} {err.message_vi}" or entry == file
    assert "Danh mục lỗi" in err.message_vi and "Broken catalogue" in err.message_en


def test_missing_catalogue_file(tmp_path):
    folder = tmp_path / "catalog"
    shutil.copytree(DEFAULT_CATALOG_DIR, folder)
    (folder / "codes.yaml").unlink()
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    assert info.value.file == "codes.yaml"


def test_unreadable_yaml_names_the_line_where_reading_stopped(tmp_path):
    """The line PyYAML's parser stops at (the same with libyaml's), not a traceback."""
    folder = _broken(tmp_path, "units.yaml", "units:\n", "units:\n  - [\n")
    text = (folder / "units.yaml").read_text(encoding="utf-8")
    try:
        yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - the pure-Python safe loader
    except yaml.YAMLError as exc:
        line = exc.problem_mark.line + 1
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    assert info.value.file == "units.yaml"
    assert f"(dòng {line})" in info.value.message_vi and f"(line {line})" in info.value.message_en
