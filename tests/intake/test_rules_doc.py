"""docs/rules.md is generated from schemas/rules.yaml (python -m tasks.intake.rules_doc)."""

from __future__ import annotations

from tasks.intake import rules_doc
from tasks.intake.rules import load_rules


def test_rules_page_is_current():
    on_disk = rules_doc.DOC_FILE.read_text(encoding="utf-8")
    assert on_disk == rules_doc.render(), "docs/rules.md is stale: python -m tasks.intake.rules_doc"
    assert rules_doc.main(["--check"]) == 0


def test_rules_page_lists_every_rule_with_both_messages_and_params():
    page = rules_doc.render()
    for rule in load_rules().values():
        section = page.split(f"\n## {rule.code}\n", 1)[1].split("\n## ", 1)[0]
        assert f"- Kiểm tra / check: {rule.check}" in section
        assert rule.message_vi in section and rule.message_en in section
        assert rule.severity in section
        for name in rule.params:
            assert f"  {name}:" in section, (rule.code, name)
    assert "relative_tolerance: 0.1" in page and "min_peers: 5" in page


def test_rules_yaml_reads_the_same_with_either_parser():
    """rules.yaml is parsed once, by libyaml where PyYAML has it: the same document as PyYAML's
    pure-Python safe loader gives."""
    import yaml

    from tasks.intake.rules import RULES_FILE, rules_document

    assert rules_document(RULES_FILE) == yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
