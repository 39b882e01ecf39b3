"""The signal module matches the contract, and accounts never depends on activity."""

import ast
from pathlib import Path

from django.contrib.auth import signals as django_signals
from django.dispatch import Signal

from accounts import signals

CONTRACT_SIGNALS = [
    "user_logged_in",
    "user_logged_out",
    "user_login_failed",
    "user_signed_up",
    "password_set",
    "password_changed",
    "password_reset",
    "email_confirmed",
    "email_confirmation_sent",
    "email_added",
    "email_removed",
    "email_changed",
    "authentication_step_completed",
    "_add_email",
    "authenticator_added",
    "authenticator_removed",
    "authenticator_reset",
    "authenticator_used",
    "authentication_failed",
]
ACCOUNTS_DIR = Path(signals.__file__).resolve().parent


def test_every_contract_signal_is_declared():
    for name in CONTRACT_SIGNALS:
        assert isinstance(getattr(signals, name), Signal), name
        assert name in signals.__all__


def test_django_signals_are_reexported_not_copied():
    assert signals.user_logged_out is django_signals.user_logged_out
    assert signals.user_login_failed is django_signals.user_login_failed
    assert signals.user_logged_in is not django_signals.user_logged_in


def test_each_signal_is_a_distinct_object():
    objects = [getattr(signals, name) for name in signals.__all__]
    assert len({id(o) for o in objects}) == len(objects)


def test_signals_module_declares_only_signals():
    tree = ast.parse((ACCOUNTS_DIR / "signals.py").read_text())
    for node in tree.body:
        assert isinstance(node, ast.Assign | ast.ImportFrom | ast.Expr), ast.dump(node)[:80]


def test_accounts_never_imports_activity():
    offenders = []
    for path in ACCOUNTS_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "activity"]
    assert offenders == []
