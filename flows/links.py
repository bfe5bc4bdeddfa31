"""Links to the workspace's files for the Prefect UI: http while a `dxreport server` serves them (so
a browser on another machine opens them), `file://` otherwise."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from flows.files import SERVED
from flows.server_state import pid_alive, read_state
from tasks.core.settings import Settings


def served_base_url(home: Path) -> str | None:
    """The file server's base URL (ending in `/`) of the running `dxreport server` of `home`."""
    state = read_state(home)
    if state is None or not state.files_url or not pid_alive(state.pid):
        return None
    return state.files_url.rstrip("/") + "/"


def public_url(settings: Settings, path: str | Path) -> str:
    """The URL an operator opens for `path`: the file server's http URL when a `dxreport server`
    with its file server runs for this workspace and `path` is under reports/, feedback/ or outbox/;
    a `file://` URI otherwise."""
    target = Path(path).resolve()
    home = settings.paths.home
    base = served_base_url(home)
    if base is not None and target.is_relative_to(home):
        rel = target.relative_to(home)
        if rel.parts and rel.parts[0] in SERVED:
            return base + urllib.parse.quote(rel.as_posix())
    return target.as_uri()
