"""The contracts: catalogue (YAML + pydantic), validation rules, DuckDB DDL and queries (.sql).

Imports nothing from `tasks` or `flows` (dependency direction: flows -> tasks -> schemas)."""

from pathlib import Path

SCHEMAS_DIR = Path(__file__).resolve().parent
SQL_DIR = SCHEMAS_DIR / "sql"
RULES_FILE = SCHEMAS_DIR / "rules.yaml"
CATALOG_DIR = SCHEMAS_DIR / "catalog"
