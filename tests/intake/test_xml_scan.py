"""tasks/intake/xml_scan.py: what the streaming scan measures in a worksheet's XML, tag by tag."""

from __future__ import annotations

import io

import pytest

from tasks.intake import xml_scan
from tasks.intake.xml_scan import SheetArea, scan_xml


def measured(xml: str) -> SheetArea:
    area = SheetArea()
    xml_scan._measure(xml, area)
    return area


def test_cells_with_a_value_make_the_area_formatted_ones_do_not():
    area = measured(
        '<sheetData><row r="2"><c r="B2" s="1"/><c r="C2"><v>1</v></c><c r="D2" s="3"></c></row>'
        '<row r="5"><c r="$F$5" t="inlineStr"><is><t>x</t></is></c></row>'
        '<row r="40"><c r="Z40" s="2"/></row></sheetData>'
    )
    assert area.is_sheet
    assert (area.min_row, area.max_row, area.min_col, area.max_col) == (2, 5, 3, 6)
    assert area.last_cell == "F5" and area.cells == 4 * 4


def test_rows_and_cells_without_a_reference_follow_the_previous_ones():
    area = measured(
        '<x:sheetData><x:row r="3"><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row>'
        "<x:row><x:c/><x:c><x:v>3</x:v></x:c></x:row></x:sheetData>"
    )
    # row 3: A3, B3; the next row (4): A4 empty, B4 has a value
    assert (area.min_row, area.max_row, area.min_col, area.max_col) == (3, 4, 1, 2)


def test_a_far_reference_counts_far_away():
    area = measured('<sheetData><row><c r="A99999999"><v>1</v></c></row></sheetData>')
    assert area.max_row == 99_999_999


def test_error_cells_keep_their_text_and_links_their_target():
    area = measured(
        '<sheetData><row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c><c r="B1" t="e"><f>1/0</f>'
        '<v>&amp;#REF!</v></c><c r="C1" t="n"><v>#N/A</v></c></row></sheetData>'
        '<hyperlinks><hyperlink ref="A1" r:id="rId1"/><hyperlink ref="B1"/></hyperlinks>'
    )
    assert area.errors == {(1, 1): "#DIV/0!", (1, 2): "&#REF!"}
    assert area.links == [("A1", "rId1")]


def test_links_outside_a_worksheet_are_not_kept():
    assert measured('<hyperlink ref="A1" r:id="rId1"/>').links == []


@pytest.mark.parametrize("chunk", [7, 64, 1024])
def test_the_same_facts_whatever_the_chunks(monkeypatch, chunk):
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="e"><v>#VALUE!</v></c><c r="C{r}"><v>{r}</v></c></row>'
        for r in range(1, 60)
    )
    xml = f'<?xml version="1.0"?><worksheet><sheetData>{rows}</sheetData></worksheet>'
    whole = measured(xml)
    monkeypatch.setattr(xml_scan, "CHUNK", chunk)
    area = SheetArea()
    scan_xml(io.BytesIO(xml.encode()), area)
    assert (area.min_row, area.max_row, area.min_col, area.max_col) == (1, 59, 1, 3)
    assert area.errors == whole.errors and len(area.errors) == 59
