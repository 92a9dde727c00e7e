"""The tail of a state change has one owner: `core.transitions.transition_record`.

A domain service that writes an audit row and also notifies, or queues after-commit work, does so
through one `transition_record` call, never by repeating `audit_record` + `notify` +
`transaction.on_commit` itself. A function that only audits, or only notifies, is left alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ["partners", "deals", "training", "settlement", "rebates", "funds"]
TAIL_PARTS = {"notify", "on_commit"}


def _service_modules() -> list[Path]:
    found = []
    for app in DOMAINS:
        found += [p for p in [ROOT / app / "services.py"] if p.exists()]
        found += sorted((ROOT / app / "services").glob("*.py"))
    return found


def _called_names(func: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            target = node.func
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute):
                names.add(target.attr)
    return names


def _hand_made_tails(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(root)}:{node.lineno} {node.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and "audit_record" in (called := _called_names(node))
        and called & TAIL_PARTS
    ]


def test_the_guard_sees_the_service_modules():
    # Given the domain apps, when their service modules are listed, then the packages are found
    names = {str(p.relative_to(ROOT)) for p in _service_modules()}
    assert {"deals/services/registration.py", "settlement/services/_common.py"} <= names
    assert "funds/services/requests.py" in names


def test_the_guard_flags_a_hand_made_tail(tmp_path):
    # Given a service that audits and notifies by hand
    module = tmp_path / "services.py"
    module.write_text(
        "def deal_close(*, deal, actor):\n"
        "    audit_record(actor=actor, action='deal.closed', obj=deal)\n"
        "    notify(recipients=[actor], kind='deal.closed', title='Closed')\n"
    )
    # When the guard reads it, then it names the function
    assert _hand_made_tails(module, root=tmp_path) == ["services.py:1 deal_close"]


@pytest.mark.parametrize("path", _service_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_service_audits_and_notifies_by_hand(path):
    # Given a domain service module, when its functions are read, then none writes the audit row
    # and notifies or queues after-commit work itself
    assert _hand_made_tails(path) == []
