"""ACCOUNT_EMAIL_NOTIFICATIONS: every security notice, on and off, from one place."""

import ast
from pathlib import Path

import pytest
from django.test import override_settings

from accounts import notifications
from tests.helpers.email import act
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.mfa import T0, add_webauthn, code_at, read_secret
from tests.policies.adapters import LanguageRecordingAdapter

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long passphrase"


@pytest.fixture(autouse=True)
def _mfa_with_the_unverified_address(settings):
    """The run adds an (unverified) address, then turns TOTP on: allowed only with
    MFA_ALLOW_UNVERIFIED_EMAIL since issue 13 (a second factor needs verified addresses)."""
    settings.MFA_ALLOW_UNVERIFIED_EMAIL = True


def subjects(mailoutbox):
    return [m.subject for m in mailoutbox]


def run_every_notice(client, user):
    """Drive each noticed change over HTTP; return the notices expected, in order."""
    act(client, "action_add", "new@example.org")
    page = client.get("/accounts/2fa/totp/activate/")
    client.post("/accounts/2fa/totp/activate/", {"code": code_at(read_secret(page), T0)})
    client.post("/accounts/2fa/recovery-codes/generate/")
    key = add_webauthn(user)
    client.post(f"/accounts/2fa/webauthn/keys/{key.pk}/remove/")
    client.post("/accounts/2fa/totp/deactivate/")
    client.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    return [
        "A new email address was added",
        "Two-factor authentication was turned on",
        "New recovery codes were generated",
        "A security key was removed",
        "Two-factor authentication was turned off",
        "Your password was changed",
    ]


def notices_only(mailoutbox):
    """Drop the verification mail (not a notice: it is sent whatever the setting)."""
    return [s for s in subjects(mailoutbox) if "onfirm" not in s]


def test_every_notice_is_sent_by_default(clock, auth_client, user, mailoutbox):
    mailoutbox.clear()
    expected = run_every_notice(auth_client, user)
    sent = notices_only(mailoutbox)
    assert len(sent) == len(expected), sent
    for subject, words in zip(sent, expected, strict=True):
        assert words.lower() in subject.lower(), (subject, words)
    assert all(m.to == ["alice@example.com"] for m in mailoutbox if "onfirm" not in m.subject)


@override_settings(ACCOUNT_EMAIL_NOTIFICATIONS=False)
def test_no_notice_when_turned_off(clock, auth_client, user, mailoutbox):
    mailoutbox.clear()
    run_every_notice(auth_client, user)
    assert notices_only(mailoutbox) == []
    assert any(m.to == ["new@example.org"] for m in mailoutbox)  # verification still goes


@override_settings(ACCOUNT_ADAPTER="tests.policies.adapters.LanguageRecordingAdapter")
def test_notices_are_written_in_the_users_language(auth_client, user, mailoutbox):
    LanguageRecordingAdapter.languages.clear()
    auth_client.post(
        "/accounts/email/",
        {"email": "new@example.org", "action_add": "1"},
        headers={"accept-language": "fr"},
    )
    assert LanguageRecordingAdapter.languages == ["fr"]


def test_unknown_notice_is_a_programming_error(user):
    with pytest.raises(ValueError):
        notifications.send_security_notice(None, user=user, notice="nope")


def test_notices_have_templates():
    from django.template.loader import get_template

    for notice in notifications.NOTICES:
        template = notifications.TEMPLATES.get(notice, f"account/email/{notice}")
        get_template(f"{template}_subject.txt")
        get_template(f"{template}_message.txt")


def test_send_notification_mail_is_called_from_one_place():
    """Security notices go through accounts/notifications.py only; the reset flow's own mails
    (the link, the "no account" answer) are not notices."""
    root = Path(notifications.__file__).resolve().parent
    callers = set()
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "send_notification_mail":
                callers.add(path.relative_to(root).as_posix())
    assert callers == {"notifications.py", "flows/password_reset.py"}
