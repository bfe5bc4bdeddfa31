"""The application of a command's temporary Prefect API (`uvicorn --factory
flows.cli.temporary_app:create_app`, started by flows.cli.api.TemporaryApi through `serve`):
Prefect's own server application, without its migration check when the database is already at the
newest revision of this Prefect's migrations.

Prefect checks its migrations at every start (`PREFECT_SERVER_DATABASE_MIGRATE_ON_START`): alembic
loads the 116 migration scripts and compares revisions, about 0.45 s of the temporary API's 4 s
start on this machine, paid by every command run without a `dxreport server`. When the SQLite
database's `alembic_version` is the head of the migration chain shipped with the installed Prefect,
that check has nothing to do and is skipped; in every other case (another database, a new
database, an older revision, a Prefect upgrade, a chain this module does not understand, the
setting given by the operator) Prefect runs it as usual.

Prefect also registers its block types at every start, memoized: it imports every installed Prefect
collection (here prefect-dask, and so Dask: about 0.2 s), hashes the block types it then knows,
and registers them only when that hash differs from the one in its memo store. When this module
saw that memo written for the same Prefect, the same collections (names and versions) and the same
database, and the database needs no migration, the import would only find the hash it already has:
the registration is skipped as a whole. Otherwise Prefect does it as usual and the memo's hash is
noted for the next start (`BLOCKS_NOTE`, beside Prefect's memo store).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

_REVISION = re.compile(r'^revision\s*=\s*"([0-9a-f]+)"\s*$', re.M)
_DOWN = re.compile(r'^down_revision\s*=\s*(None|"([0-9a-f]+)")\s*$', re.M)


def migration_head(versions: Path) -> str | None:
    """The newest revision of a linear chain of alembic scripts in `versions` (one root, each
    revision the parent of at most one other), or None when the chain is not that simple."""
    parents: dict[str, str | None] = {}
    for script in versions.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revisions, downs = _REVISION.findall(text), _DOWN.findall(text)
        if len(revisions) != 1 or len(downs) != 1:
            return None
        parents[revisions[0]] = downs[0][1] or None
    children = [p for p in parents.values() if p is not None]
    roots = [r for r, p in parents.items() if p is None]
    heads = set(parents) - set(children)
    if len(roots) != 1 or len(heads) != 1 or len(children) != len(set(children)):
        return None
    if any(p not in parents for p in children):
        return None
    return heads.pop()


def database_revision(path: Path) -> str | None:
    """The alembic revision recorded in the SQLite database at `path` (read-only), if any."""
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return rows[0][0] if len(rows) == 1 else None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database URL (`sqlite+aiosqlite:///…`), None for any other database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def migrations_needed(settings: Any) -> bool:
    """Whether Prefect's migration check must run for `settings` (see the module's docstring)."""
    import prefect.server.database as database

    db = settings.server.database
    if not db.migrate_on_start or "migrate_on_start" in db.model_fields_set:
        return bool(db.migrate_on_start)  # the operator's choice (or Prefect's: off)
    url = db.connection_url.get_secret_value() if db.connection_url else ""
    path = sqlite_path(url) if url else None
    if path is None:
        return True
    versions = Path(database.__file__).parent / "_migrations" / "versions" / "sqlite"
    head = migration_head(versions)
    return head is None or database_revision(path) != head


BLOCKS_NOTE = "dxreport-block-registration.json"
_collector_paused = False  # serve() turned the garbage collector off until the app is built


def blocks_key(settings: Any) -> str:
    """What Prefect's block registration depends on, short of importing the collections: Prefect's
    version, each installed collection's distribution and version, the database URL."""
    from importlib.metadata import entry_points

    import prefect

    db = settings.server.database
    collections = sorted(
        (ep.dist.name if ep.dist else ep.value, ep.dist.version if ep.dist else "")
        for ep in entry_points(group="prefect.collections")
    )
    url = db.connection_url.get_secret_value() if db.connection_url else ""
    text = json.dumps([prefect.__version__, collections, url])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def memo_hash(settings: Any) -> str | None:
    """The block registration hash in Prefect's memo store, if any."""
    import tomllib

    try:
        memo = tomllib.loads(Path(settings.server.memo_store_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = memo.get("block_auto_registration")
    return found if isinstance(found, str) else None


def blocks_registered(settings: Any) -> bool:
    """Whether Prefect's memoized block registration would find nothing to do (module docstring)."""
    server = settings.server
    if not server.memoize_block_auto_registration or not server.register_blocks_on_start:
        return False  # Prefect's own way, whatever it is
    note = Path(server.memo_store_path).with_name(BLOCKS_NOTE)
    try:
        seen = json.loads(note.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    memo = memo_hash(settings)
    return memo is not None and seen == {"key": blocks_key(settings), "memo": memo}


def note_blocks_registered(settings: Any) -> None:
    """After Prefect's registration: the memo's hash, with what it was computed for."""
    memo = memo_hash(settings)
    if memo is None or not settings.server.memoize_block_auto_registration:
        return
    note = Path(settings.server.memo_store_path).with_name(BLOCKS_NOTE)
    tmp = note.with_name(f".{note.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": blocks_key(settings), "memo": memo}), encoding="utf-8")
    os.replace(tmp, note)


def create_app() -> Any:
    """Prefect's application, with the shortcuts above. In `serve`'s process the garbage collector
    is off until it is built: importing Prefect's server creates over 400,000 tracked objects, few of
    them garbage, and each collection walked them all (0.45 s of the 2.2 s import); they are then
    frozen, never walked again by the collections while the API serves."""
    global _collector_paused
    try:
        return _create_app()
    finally:
        if _collector_paused:
            _collector_paused = False
            gc.freeze()
            gc.enable()


def _create_app() -> Any:
    from prefect.server.api.server import create_app as prefect_app
    from prefect.settings import (
        PREFECT_API_BLOCKS_REGISTER_ON_START,
        PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION,
        PREFECT_SERVER_DATABASE_MIGRATE_ON_START,
        get_current_settings,
        temporary_settings,
    )

    app = prefect_app()
    settings = get_current_settings()
    try:
        needed = migrations_needed(settings)
        registered = not needed and blocks_registered(settings)
    except Exception:  # noqa: BLE001 - a shortcut only: anything unexpected, Prefect's own start
        needed, registered = True, False
    skipped: dict = {} if needed else {PREFECT_SERVER_DATABASE_MIGRATE_ON_START: False}
    if registered:  # Prefect's wrapper then calls the registration, which returns at once
        skipped.update(
            {
                PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION: False,
                PREFECT_API_BLOCKS_REGISTER_ON_START: False,
            }
        )
    prefect_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        # the settings are read inside Prefect's lifespan, in this task
        with temporary_settings(updates=skipped):
            async with prefect_lifespan(application) as state:
                if not registered:
                    try:
                        note_blocks_registered(settings)
                    except OSError:  # a shortcut only: the next start registers as usual
                        pass
                yield state

    app.router.lifespan_context = lifespan
    return app


# The server's process: uvicorn's own command line (its options after this), run on a roomy frame
# stack (tasks/core/roomy_stack.py: importing Prefect's server and serving its requests go deep
# enough for CPython 3.11 to map and unmap stack chunks; about 0.15 s of the 2.4 s import).
SERVER_COMMAND = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from flows.cli.temporary_app import serve; serve()"
)


PARENT_VAR = "DXREPORT_API_PARENT"  # the pid of the command the API serves


def serve() -> None:
    """uvicorn's `main` with this process's arguments (started by flows.cli.api.TemporaryApi as
    `python -c SERVER_COMMAND <project root> <uvicorn options>`).

    - Ctrl-C is not for it: a terminal sends it to the command's whole process group, and the
      command, once interrupted, still reports the interrupted run through this API, then stops it
      (SIGTERM). An API that stopped on Ctrl-C left the command retrying a dead address (and
      waiting for ever when the command itself ignored SIGINT, as a background job does).
    - It stops when its command is gone without stopping it (kill -9): tasks/core/lifeline.py.
    """
    global _collector_paused
    if gc.isenabled():  # until the application is built (create_app)
        gc.disable()
        _collector_paused = True
    import uvicorn.main
    import uvicorn.server

    from tasks.core import lifeline, roomy_stack

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # else uvicorn installs its own handler for it
    uvicorn.server.HANDLED_SIGNALS = (signal.SIGTERM,)  # type: ignore[assignment]
    parent = os.environ.get(PARENT_VAR, "")
    if parent.isdigit():
        lifeline.watch(int(parent), lambda: os.kill(os.getpid(), signal.SIGTERM))
    roomy_stack.call(uvicorn.main.main, prog_name="uvicorn")
