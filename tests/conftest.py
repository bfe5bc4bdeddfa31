"""Shared fixtures. Most tests never start Prefect; flow tests share one session-scoped harness."""

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# our loggers carry Prefect's API handler (flows.logs); outside a run they only print
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

import pytest  # noqa: E402

from schemas.catalog_model import load_catalog  # noqa: E402
from tasks.core.settings import Settings  # noqa: E402
from tasks.core.workspace import ensure_workspace  # noqa: E402


@pytest.fixture(autouse=True)
def _no_environment_leaks():
    """Whatever a test (or the command line it calls) sets in os.environ is undone after it."""
    saved = dict(os.environ)
    yield
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture
def make_settings(tmp_path):
    """Settings for a fresh workspace under tmp_path, with the clock set by the test."""

    def make(now: str = "2025-09-16T08:00:00+07:00", **kw) -> Settings:
        settings = Settings(home=tmp_path / "home", now=now, **kw)
        ensure_workspace(settings)
        return settings

    return make


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_home(prefect_harness, tmp_path_factory):
    """The workspace of one `dxreport demo` run, shared by every test that reads the demo."""
    home = tmp_path_factory.mktemp("demo") / "home"
    return home


@pytest.fixture(scope="session")
def demo_result(demo_home):
    import io
    import json
    from contextlib import redirect_stdout

    from flows.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["demo", "--home", str(demo_home), "--json"])
    assert code == 0, out.getvalue()
    return json.loads(out.getvalue())


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (`--dist loadgroup`, as scripts/test.sh runs), every test that reads the
    shared demo workspace goes to one worker, so the demo is built once."""
    for item in items:
        if {"demo_home", "demo_result"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("demo"))
