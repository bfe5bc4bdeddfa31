"""Starting values of next quarter's template: the unit's last accepted stocks (interface 2).

Only the dataclass is here for now (written by helper A so the template can draw them);
`starting_values(con, catalog, unit, period)` is added by helper E.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StartingValue:
    element_code: str
    value: float
    source_vi: str  # what the cell's comment says
    source_en: str
