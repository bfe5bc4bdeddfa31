"""The intake's SQL lives in schemas/sql/ledger_*.sql and load_*.sql, and importing the steps is light."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from schemas import SQL_DIR
from tasks.core.warehouse import parameters

ROOT = Path(__file__).resolve().parents[2]
INTAKE = ROOT / "tasks" / "intake"
FILES = sorted([*SQL_DIR.glob("ledger_*.sql"), *SQL_DIR.glob("load_*.sql")])
STATEMENT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|ALTER|DROP)\b")


def _code(path: Path) -> str:
    return "\n".join(line.split("--", 1)[0] for line in path.read_text("utf-8").splitlines())


def test_there_are_intake_statements():
    assert {p.stem for p in FILES} >= {
        "ledger_insert_arrival",
        "ledger_insert_message",
        "load_insert_submission",
        "load_insert_activities",
    }


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_statement_says_what_it_does_and_names_its_columns(path):
    first = path.read_text("utf-8").splitlines()[0]
    assert first.startswith("-- ") and len(first) > 20, first
    code = _code(path)
    for table in re.findall(r"\bINSERT\s+INTO\s+(\w+)\b(?!\s*\()", code, flags=re.I):
        pytest.fail(f"{path.name}: INSERT INTO {table} does not name its columns")
    assert "?" not in code, "named $parameters only"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_statement_is_used(path):
    sources = [*INTAKE.glob("*.py"), ROOT / "tasks" / "core" / "warehouse.py"]
    assert any(f'"{path.stem}"' in p.read_text("utf-8") for p in sources), path.name


def test_inserts_take_each_column_from_the_parameter_of_its_name():
    """(arrivals.finished is always FALSE when an arrival is recorded.)"""
    for path in FILES:
        match = re.search(r"INSERT\s+INTO\s+\w+\s*\(([^)]*)\)\s*VALUES", _code(path), re.I | re.S)
        if match:
            columns = {c.strip() for c in match.group(1).split(",")}
            assert columns - {"finished"} == parameters(path.stem), path.name


def test_batch_inserts_take_each_column_from_the_list_of_its_name():
    """A batch insert reads column c from `unnest($c)`, in the order the columns are named."""
    batch = 0
    for path in FILES:
        match = re.search(
            r"INSERT\s+INTO\s+\w+\s*\(([^)]*)\)\s*SELECT(.*?);", _code(path), re.I | re.S
        )
        if match and "unnest" in match.group(2):
            batch += 1
            columns = [c.strip() for c in match.group(1).split(",")]
            given = re.findall(r"unnest\(\$(\w+)\)|\b(FALSE)\b", match.group(2))
            assert [a or "finished" for a, _ in given] == columns, path.name
    assert batch >= 6  # arrivals, messages, submissions, values, activities, narratives


def test_no_sql_left_in_the_intake_code():
    """Only BEGIN / COMMIT / ROLLBACK stay in Python; every statement is a .sql file."""
    for path in INTAKE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not STATEMENT.match(node.value), f"{path.name}: {node.value[:60]!r}"


def test_importing_the_steps_loads_no_heavy_library():
    heavy = ("pandas", "great_expectations", "openpyxl", "python_calamine")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, tasks.intake.steps; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout


FINISH = """
import json, sys
from pathlib import Path
from tasks.core.settings import Settings
from tasks.intake import ledger
paths = Settings(home=sys.argv[1]).paths
for folder in (paths.inbox, paths.receipts, paths.archive):
    folder.mkdir(parents=True, exist_ok=True)
def arrival(name, messages):
    inbox = paths.inbox / (name + ".xlsx")
    inbox.write_bytes(b"not a workbook")
    receipt = {"file": inbox.name, "status": "rejected" if messages else "accepted",
               "received_at": "2025-09-15T10:00:00+07:00", "messages": messages}
    return (name + ".json", json.dumps(receipt), inbox, paths.archive / (name + ".xlsx"))
clean = [arrival(f"00000{i}-clean", []) for i in range(3)]
ledger._finish(paths, clean)
print("openpyxl" in sys.modules, sorted(p.name for p in paths.inbox.iterdir()),
      sorted(p.name for p in paths.receipts.iterdir()), paths.feedback.exists())
message = {"rule": "FILE_UNREADABLE", "severity": "error", "message_vi": "Không đọc được tệp."}
ledger._finish(paths, [arrival("000009-bad", [message])])
print("openpyxl" in sys.modules, sorted(p.name for p in paths.feedback.iterdir()))
"""


def test_a_batch_without_messages_imports_no_workbook_writer(tmp_path):
    """Receipts without messages or changes get no feedback workbook, so writing them imports no
    openpyxl; the first receipt with a message gets its workbook (and imports it)."""
    done = subprocess.run(
        [sys.executable, "-c", FINISH, str(tmp_path / "home")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = done.stdout.strip().splitlines()[-2:]
    receipts = [f"00000{i}-clean.json" for i in range(3)]
    assert first == f"False [] {receipts!r} False"
    assert second == "True ['000009-bad.xlsx']"
