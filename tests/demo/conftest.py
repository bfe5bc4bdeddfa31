"""The demo plan the demo tests share: two consecutive periods (they cover every broken kind)."""

from __future__ import annotations

import pytest

from demo.generator import generate_demo
from tests.demo.support import PERIODS


@pytest.fixture(scope="session")
def plan(catalog, tmp_path_factory):
    return generate_demo(catalog, PERIODS, tmp_path_factory.mktemp("demo"))
