"""The demo's word lists (`demo/words.yaml`), read once and checked for the keys the generator uses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

WORDS_FILE = Path(__file__).with_name("words.yaml")


@dataclass(frozen=True)
class Words:
    """Vietnamese text the generator draws from; list order matters (seeded draws pick by index)."""

    surnames: tuple[str, ...]
    middle_names: tuple[str, ...]
    given_names: tuple[str, ...]
    topics: tuple[str, ...]
    models: tuple[str, ...]
    audiences: dict[str, tuple[str, ...]]  # unit type -> who a training is for
    audience_fallback: tuple[str, ...]
    titles: dict[str, str]  # activity type -> title template
    unit_name_prefixes: tuple[str, ...]
    narrative_bank: dict[str, dict[str, tuple[str, ...]]]  # section -> unit type or "_" -> texts
    narrative_counts: dict[str, str]  # element code -> phrase template
    narrative_lead: str
    narrative_next: str
    correction_note: str


def _texts(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{WORDS_FILE.name}: {where} must be a list of non-empty texts")
    return tuple(value)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{WORDS_FILE.name}: {where} must be a non-empty text")
    return value


def _mapping(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{WORDS_FILE.name}: {where} must be a mapping")
    return value


def parse_words(data: object) -> Words:
    """Build `Words` from the loaded YAML; a missing or mistyped key is a ValueError naming it."""
    data = _mapping(data, "the file")
    missing = [name for name in Words.__dataclass_fields__ if name not in data]
    if missing:
        raise ValueError(f"{WORDS_FILE.name}: missing {', '.join(missing)}")
    bank = _mapping(data["narrative_bank"], "narrative_bank")
    return Words(
        surnames=_texts(data["surnames"], "surnames"),
        middle_names=_texts(data["middle_names"], "middle_names"),
        given_names=_texts(data["given_names"], "given_names"),
        topics=_texts(data["topics"], "topics"),
        models=_texts(data["models"], "models"),
        audiences={
            k: _texts(v, f"audiences.{k}")
            for k, v in _mapping(data["audiences"], "audiences").items()
        },
        audience_fallback=_texts(data["audience_fallback"], "audience_fallback"),
        titles={k: _text(v, f"titles.{k}") for k, v in _mapping(data["titles"], "titles").items()},
        unit_name_prefixes=_texts(data["unit_name_prefixes"], "unit_name_prefixes"),
        narrative_bank={
            section: {
                k: _texts(v, f"narrative_bank.{section}.{k}")
                for k, v in _mapping(texts, f"narrative_bank.{section}").items()
            }
            for section, texts in bank.items()
        },
        narrative_counts={
            k: _text(v, f"narrative_counts.{k}")
            for k, v in _mapping(data["narrative_counts"], "narrative_counts").items()
        },
        narrative_lead=_text(data["narrative_lead"], "narrative_lead"),
        narrative_next=_text(data["narrative_next"], "narrative_next"),
        correction_note=_text(data["correction_note"], "correction_note"),
    )


@cache
def words() -> Words:
    """The word lists, loaded from `demo/words.yaml` on first use."""
    return parse_words(yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8")))
