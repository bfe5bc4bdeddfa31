"""flows/cli/temporary_app.py: the temporary Prefect API skips Prefect's migration check only when
the SQLite database is already at the head of the installed Prefect's migrations, and its block
registration only when it saw Prefect's memo of it for the same Prefect, collections and database;
otherwise it starts as Prefect does (migrating a new database, registering the block types). Real Prefect settings, real SQLite files, and
the real application's lifespan in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import prefect.server.database as prefect_database
import pytest
from prefect.settings import Settings

from flows.cli import temporary_app as ta

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = Path(prefect_database.__file__).parent / "_migrations" / "versions" / "sqlite"


def script(folder: Path, name: str, revision: str, down: str | None) -> None:
    down_text = "None" if down is None else f'"{down}"'
    (folder / f"{name}.py").write_text(
        f'"""m"""\nrevision = "{revision}"\ndown_revision = {down_text}\n', encoding="utf-8"
    )


def database(path: Path, revision: str | None) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    if revision:
        con.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    con.commit()
    con.close()
    return path


def settings_for(db: Path, **database_settings) -> Settings:
    return Settings(
        server={"database": {"connection_url": f"sqlite+aiosqlite:///{db}", **database_settings}}
    )


def test_the_head_of_a_linear_chain(tmp_path):
    script(tmp_path, "a", "aaa1", None)
    script(tmp_path, "b", "bbb2", "aaa1")
    script(tmp_path, "c", "ccc3", "bbb2")
    assert ta.migration_head(tmp_path) == "ccc3"


@pytest.mark.parametrize(
    "scripts",
    [
        [("a", "aaa1", None), ("b", "bbb2", "aaa1"), ("c", "ccc3", "aaa1")],  # two heads
        [("a", "aaa1", None), ("b", "bbb2", None)],  # two roots
        [("a", "aaa1", None), ("b", "bbb2", "fff9")],  # a parent that is not there
        [],
    ],
)
def test_no_head_when_the_chain_is_not_simple(tmp_path, scripts):
    for name, revision, down in scripts:
        script(tmp_path, name, revision, down)
    assert ta.migration_head(tmp_path) is None


def test_a_merge_revision_is_not_understood(tmp_path):
    script(tmp_path, "a", "aaa1", None)
    (tmp_path / "m.py").write_text('revision = "bbb2"\ndown_revision = ("aaa1", "x")\n')
    assert ta.migration_head(tmp_path) is None


def test_the_installed_prefects_chain_has_one_head():
    """If a Prefect upgrade makes its chain branch, the shortcut is lost (this test says so)."""
    head = ta.migration_head(SHIPPED)
    assert head is not None and len(list(SHIPPED.glob("*.py"))) > 100


def test_the_database_revision(tmp_path):
    assert ta.database_revision(database(tmp_path / "a.db", "abc123")) == "abc123"
    assert ta.database_revision(database(tmp_path / "b.db", None)) is None
    assert ta.database_revision(tmp_path / "missing.db") is None
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert ta.database_revision(tmp_path / "junk.db") is None
    sqlite3.connect(tmp_path / "empty.db").close()
    assert ta.database_revision(tmp_path / "empty.db") is None


def test_sqlite_paths_only():
    assert ta.sqlite_path("sqlite+aiosqlite:////srv/p/prefect.db") == Path("/srv/p/prefect.db")
    assert ta.sqlite_path("sqlite+aiosqlite:///:memory:") is None
    assert ta.sqlite_path("postgresql+asyncpg://u:p@db/prefect") is None


def test_migrations_are_checked_unless_the_database_is_at_the_head(tmp_path):
    head = ta.migration_head(SHIPPED)
    assert head is not None
    at_head = database(tmp_path / "head.db", head)
    older = database(tmp_path / "older.db", "0000deadbeef")
    assert ta.migrations_needed(settings_for(at_head)) is False
    assert ta.migrations_needed(settings_for(older)) is True
    assert ta.migrations_needed(settings_for(tmp_path / "new.db")) is True
    # the operator's setting wins either way
    assert ta.migrations_needed(settings_for(at_head, migrate_on_start=True)) is True
    assert ta.migrations_needed(settings_for(older, migrate_on_start=False)) is False
    postgres = Settings(
        server={"database": {"connection_url": "postgresql+asyncpg://u:p@localhost/prefect"}}
    )
    assert ta.migrations_needed(postgres) is True


LIFESPAN = """
import asyncio, gc, json, sys
import flows.cli.temporary_app as ta
gc.disable()  # as serve() does
ta._collector_paused = True
from flows.cli.temporary_app import create_app
app = create_app()
assert gc.isenabled() and gc.get_freeze_count() > 0  # what the import made: frozen, then on
async def main():
    async with app.router.lifespan_context(app):
        await asyncio.sleep(1)  # the services start
asyncio.run(main())
print(json.dumps({"alembic": "alembic" in sys.modules, "collections": "prefect_dask" in sys.modules}))
"""


def start_and_stop(prefect_home: Path) -> dict:
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_UI_ENABLED="0",
        PREFECT__SERVER_EPHEMERAL="1",
        PREFECT__SERVER_FINAL="1",
    )
    done = subprocess.run(
        [sys.executable, "-c", LIFESPAN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def block_types(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM block_type").fetchone()[0]
    finally:
        con.close()


def test_the_application_migrates_a_new_database_and_then_starts_without_the_checks(tmp_path):
    home = tmp_path / "prefect-home"
    # a new database: Prefect migrates it and registers the block types (importing prefect-dask)
    assert start_and_stop(home) == {"alembic": True, "collections": True}
    assert ta.database_revision(home / "prefect.db") == ta.migration_head(SHIPPED)
    registered = block_types(home / "prefect.db")
    assert registered >= 10  # Secret, JSON, String, ... (the reminders' Secret among them)
    note = json.loads((home / ta.BLOCKS_NOTE).read_text(encoding="utf-8"))
    assert note["memo"] == ta.memo_hash(Settings(home=home))
    # at the head, registration memoized for this Prefect: neither alembic nor the collections
    assert start_and_stop(home) == {"alembic": False, "collections": False}
    assert block_types(home / "prefect.db") == registered
    # another Prefect, collection or database than the note says: Prefect's own registration
    (home / ta.BLOCKS_NOTE).write_text(json.dumps({**note, "key": "0" * 64}), encoding="utf-8")
    assert start_and_stop(home) == {"alembic": False, "collections": True}
    assert json.loads((home / ta.BLOCKS_NOTE).read_text(encoding="utf-8")) == note  # noted again
    assert start_and_stop(home) == {"alembic": False, "collections": False}


def test_block_registration_is_skipped_only_when_the_note_matches_prefects_memo(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    settings = Settings(home=home)
    assert ta.blocks_registered(settings) is False  # no memo, no note
    (home / "memo_store.toml").write_text('block_auto_registration = "abc"\n', encoding="utf-8")
    assert ta.blocks_registered(settings) is False  # a memo, no note
    ta.note_blocks_registered(settings)
    assert ta.blocks_registered(settings) is True
    (home / "memo_store.toml").write_text('block_auto_registration = "def"\n', encoding="utf-8")
    assert ta.blocks_registered(settings) is False  # Prefect's memo changed since
    ta.note_blocks_registered(settings)
    assert ta.blocks_registered(settings) is True
    other_db = Settings(home=home, server={"database": {"connection_url": "sqlite+aiosqlite:///x"}})
    assert ta.blocks_registered(other_db) is False  # another database
    # the operator's settings: Prefect's own way
    assert (
        ta.blocks_registered(Settings(home=home, server={"register_blocks_on_start": False}))
        is False
    )
    unmemoized = Settings(home=home, server={"memoize_block_auto_registration": False})
    assert ta.blocks_registered(unmemoized) is False
    (home / ta.BLOCKS_NOTE).write_text("not json", encoding="utf-8")
    assert ta.blocks_registered(settings) is False
