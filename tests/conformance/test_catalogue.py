"""The catalogue of rules classifies everything the suite asserts, by construction.

Every schema keyword and response status of openapi.yaml is either claimed by a documented rule
(and in the documented contract the judge and schemathesis work from), or marked decided or
inferred in the spec (and left out of it). Every check judges a rule; every documented rule has a
check; a rule only a probe can show has one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.judge.checks import Check
from conformance.judge.contract import CONSTRAINTS, Contract
from conformance.judge.operations import OPERATIONS
from conformance.judge.rules import DOCUMENTED, RULES, Kind, claimed, claims
from conformance.sources.active.probes import PROBES

DECISIONS = Path(__file__).resolve().parents[2] / "docs" / "contract-decisions.md"


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


def checks_defined() -> set[Check]:
    """Every Check object the checks' modules define."""
    import conformance.judge.checks as package

    return {
        value
        for module in vars(package).values()
        if getattr(module, "__name__", "").startswith("conformance.judge.checks.")
        for value in vars(module).values()
        if isinstance(value, Check)
    }


def is_claimed(part) -> bool:
    table = claimed(part.kind)
    return part.where in table and (part.kind == "status" or part.keyword in table[part.where])


def test_every_documented_keyword_and_status_is_claimed_by_a_documented_rule(contract: Contract) -> None:
    unclaimed = [
        f"{p.kind} {p.where} {p.keyword}"
        for p in contract.classify()
        if p.decided is None and not is_claimed(p)
    ]
    assert unclaimed == [], (
        "classify these in conformance/judge/rules.py, or mark them x-mock-decision in openapi.yaml"
    )


def test_no_decided_or_inferred_keyword_is_claimed(contract: Contract) -> None:
    documented = {(p.kind, p.where, p.keyword) for p in contract.classify() if p.decided is None}
    stale = [
        f"{kind} {where} {keyword}"
        for kind in ("schema", "parameter", "status")
        for where, keywords in claimed(kind).items()
        for keyword in (keywords or {""})
        if (kind, where, keyword) not in documented
    ]
    assert stale == [], "claims of keywords the spec does not hold, or marks decided"


def test_the_spec_holds_decided_and_inferred_parts_the_suite_leaves_out(contract: Contract) -> None:
    decided = [part for part in contract.classify() if part.decided is not None]
    wheres = {part.where for part in decided}
    assert "listCodeBatches page" in wheres and "redeemCode 409" in wheres
    entries = {(part.where, part.keyword) for part in decided}
    assert ("Batch", "required[label]") in entries and ("Batch", "required[expiresAt]") in entries
    assert ("VerifyCodeResponse/properties/data", "required[status]") in entries
    assert len(decided) > 40


def test_every_decision_of_the_spec_names_a_decision_of_the_docs(contract: Contract) -> None:
    written = set(re.findall(r"^## (D\d+)\b", DECISIONS.read_text(encoding="utf-8"), re.M))
    for part in contract.classify():
        if part.decided and "inferred" not in part.decided:
            named = re.match(r"(D\d+) - ", part.decided)
            assert named and named.group(1) in written, f"{part}: name one of {sorted(written)}"


def test_the_documented_schema_holds_only_claimed_keywords(contract: Contract) -> None:
    document = contract.documented({operation.operation_id for operation in OPERATIONS}, claims())
    schemas = claimed("schema")

    def walk(node: object, where: str) -> None:
        if not isinstance(node, dict) or "$ref" in node:
            return
        for keyword in node:
            if keyword in CONSTRAINTS:
                assert keyword in schemas.get(where, ()), (
                    f"{where}: {keyword} in the documented contract unclaimed"
                )
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{where}/properties/{name}")
        for keyword in ("oneOf", "anyOf", "allOf"):
            for index, sub in enumerate(node.get(keyword, ())):
                walk(sub, f"{where}/{keyword}/{index}")
        if "items" in node:
            walk(node["items"], f"{where}/items")

    for name, node in document["components"]["schemas"].items():
        walk(node, name)
    statuses = claimed("status")
    for item in document["paths"].values():
        for definition in item.values():
            given = set(definition["responses"]) - {"4XX", "2XX"}
            assert {f"{definition['operationId']} {code}" for code in given} <= set(statuses)


def test_every_check_judges_a_rule() -> None:
    named = {each.check for rule in RULES for each in rule.checks}
    orphans = sorted(check.name for check in checks_defined() - named)
    assert orphans == [], "name these checks in a rule of conformance/judge/rules.py"


def test_a_rule_names_its_checks_by_reference_and_only_for_operations_they_judge() -> None:
    for rule in RULES:
        for each in rule.checks:
            assert isinstance(each.check, Check), rule.id
            assert set(each.operations) <= set(each.check.operations), (rule.id, each.check.name)


def test_every_documented_rule_has_a_check_and_a_source() -> None:
    for rule in DOCUMENTED:
        assert rule.checks, rule.id
        assert "docs.gamifyhost.com" in rule.source, rule.id
    assert len({rule.id for rule in RULES}) == len(RULES)


def test_inferred_rules_are_those_of_the_inferred_operation() -> None:
    inferred = [rule for rule in RULES if rule.kind is Kind.INFERRED]
    assert inferred and all(each.operations == ("redeem",) for rule in inferred for each in rule.checks)


def test_every_rule_that_recorded_traffic_cannot_show_has_a_probe_that_shows_it() -> None:
    shown = {rule.id for probe in PROBES for rule in probe.shows}
    for rule in RULES:
        if not rule.recorded:
            assert rule.id in shown, f"{rule.id}: only a probe can show it, and none does"
