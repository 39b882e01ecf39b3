"""Point 9: no key, code, token or password in the audit trail.

Every flow that makes or takes a secret runs over HTTP (signup, confirming by link, adding an
address, a password reset by link, turning on TOTP, logging in with a code and with a
recovery code, reauthenticating with a code, changing the password); every secret it
produced or was given is collected; then every text and JSON field of every row of every
activity model is scanned for each of them.
"""

import json
import re

import pytest
from django.apps import apps
from django.db import models

from activity.models import SecurityLog
from activity.services import REDACTED, redact_extra, redact_path, redact_text
from tests.helpers.email import act
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.mfa import T0, code_at, read_secret, send_code, shown_codes, start_login
from tests.helpers.passwords import complete_reset, mailed_link

pytestmark = pytest.mark.django_db

CONFIRM_RE = re.compile(r"https?://testserver(/accounts/confirm-email/([^/\s]+)/)")
SIGNUP_PASSWORD = "first passphrase of frank 71"
RESET_PASSWORD = "a reset passphrase of frank 72"
CHANGED_PASSWORD = "a changed passphrase of frank 73"


def confirm_links(mailoutbox):
    return [m.groups() for mail in mailoutbox for m in CONFIRM_RE.finditer(mail.body)]


def stored_text():
    """``(model, field, text)`` for every text and JSON value of every activity row."""
    for model in apps.get_app_config("activity").get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._base_manager.all():
            for field in fields:
                value = getattr(row, field.attname)
                if value in (None, "", {}, []):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                yield model.__name__, field.name, text


def test_no_secret_reaches_any_activity_row(make_client, clock, mailoutbox):
    secrets = {SIGNUP_PASSWORD, RESET_PASSWORD, CHANGED_PASSWORD, DEFAULT_PASSWORD}
    browser = make_client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")

    # Signup, then confirming the mailed link; a second address, confirmed as well. The
    # second confirmation comes from a browser whose user agent carries the key too (an
    # extension, a proxy): the agent column must not keep it either.
    response = browser.post(
        "/accounts/signup/",
        {
            "username": "frank",
            "email": "frank@example.com",
            "password1": SIGNUP_PASSWORD,
            "password2": SIGNUP_PASSWORD,
        },
    )
    assert response.status_code == 302
    ((path, key),) = confirm_links(mailoutbox)
    secrets.add(key)
    assert browser.post(path).status_code == 302
    mailoutbox.clear()
    assert act(browser, "action_add", "frank.two@example.org").status_code == 302
    ((path, key),) = confirm_links(mailoutbox)
    secrets.add(key)
    sneaky = make_client(HTTP_USER_AGENT=f"Mozilla/5.0 ref={key}")
    sneaky.cookies = browser.cookies
    assert sneaky.post(path).status_code == 302

    # A password reset by emailed link.
    reset_path, uidb36, reset_key = mailed_link(make_client(), mailoutbox, "frank@example.com")
    secrets.add(reset_key)
    reset_browser = make_client()
    assert complete_reset(reset_browser, reset_path, uidb36, RESET_PASSWORD).status_code == 302

    # Log in again, turn TOTP on (its seed and the code that proved it), save the codes.
    browser = make_client()
    assert (
        browser.post("/accounts/login/", {"login": "frank", "password": RESET_PASSWORD}).status_code
        == 302
    )
    seed = read_secret(browser.get("/accounts/2fa/totp/activate/"))
    proof = code_at(seed, T0)
    response = browser.post("/accounts/2fa/totp/activate/", {"code": proof})
    recovery = shown_codes(response)
    assert len(recovery) == 10
    secrets.update({seed, proof, *recovery})

    # Log in with a TOTP code, then with a recovery code; a wrong code on the way.
    from accounts.models import User

    frank = User.objects.get(username="frank")
    clock.shift(30)
    second = make_client()
    start_login(second, frank, RESET_PASSWORD)
    wrong = "000000" if code_at(seed, T0, 1) != "000000" else "111111"
    secrets.add(wrong)
    send_code(second, wrong)
    login_code = code_at(seed, T0, 1)
    secrets.add(login_code)
    assert send_code(second, login_code).status_code == 302
    third = make_client()
    start_login(third, frank, RESET_PASSWORD)
    assert send_code(third, recovery[0]).status_code == 302

    # Reauthenticate with a code, then change the password.
    clock.shift(30 * 20)
    reauth_code = code_at(seed, T0, 21)
    secrets.add(reauth_code)
    assert (
        third.post(
            "/accounts/2fa/reauthenticate/?next=/accounts/password/change/", {"code": reauth_code}
        ).status_code
        == 302
    )
    response = third.post(
        "/accounts/password/change/",
        {
            "oldpassword": RESET_PASSWORD,
            "password1": CHANGED_PASSWORD,
            "password2": CHANGED_PASSWORD,
        },
    )
    assert response.status_code == 302

    rows = list(stored_text())
    assert len(rows) > 20  # the flows did write their rows
    assert SecurityLog.objects.filter(event="email_confirmed").count() == 2
    leaks = [
        (model, field, secret)
        for model, field, text in rows
        for secret in secrets
        if secret and secret in text
    ]
    assert leaks == []
    assert SecurityLog.objects.filter(path__contains=REDACTED).count() == 2


def test_redaction_rules():
    assert redact_path("/accounts/confirm-email/MQ:1tx:abcDEF/") == (
        "/accounts/confirm-email/[redacted]/"
    )
    assert redact_path("/accounts/password/reset/key/2s-set-password/") == (
        "/accounts/password/reset/key/2s-set-password/"
    )
    assert redact_path("/accounts/password/reset/key/2s-c4kq9z-0f3b8d2a1e9c7b6a5d4e/") == (
        "/accounts/password/reset/key/2s-[redacted]/"
    )
    assert redact_path("/nowhere/Zx81kQ0pLm3nB7vC5xY2wT9/") == "/nowhere/[redacted]/"
    assert redact_path("/accounts/email/") == "/accounts/email/"
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    assert redact_text(agent) == agent
    assert redact_extra(
        {"email": "a@b.c", "details": {"recovery_code": "12345678", "n": 1}, "password": "x"}
    ) == {"email": "a@b.c", "details": {"recovery_code": REDACTED, "n": 1}, "password": REDACTED}
