"""Test builders, one module per kind of thing built:

- `workbooks`: valid submission workbooks (and variants) written with openpyxl or pandas;
- `xlsx_parts`: edits of a workbook's XML parts (formulas, shared strings, DOCTYPEs, moved parts);
- `bad_files`: byte-level files the intake must reject;
- `report_db`: a small warehouse with hand-worked numbers for the report tests.

The names of the first three are re-exported here (`from tests import builders as b`).
"""

from tests.builders.bad_files import *  # noqa: F403
from tests.builders.workbooks import *  # noqa: F403
from tests.builders.xlsx_parts import *  # noqa: F403
