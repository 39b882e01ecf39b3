"""Mail goes out in its recipient's language and time zone (issue 17).

The catalogues are filled later, so nothing here asserts English words for a German or Arabic
reader: what shows the language is the mail's ``<html lang dir>`` (written from the language
active while it was rendered) and what shows the zone is the time, named, in the recipient's
zone. These hold with and without catalogues.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from accounts.i18n import override_for_user
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long passphrase 42"
HTML_LANG = re.compile(r'<html lang="([^"]+)" dir="(ltr|rtl)">')
TEMPLATES = Path(settings.BASE_DIR) / "templates"
MAIL_DIRS = [TEMPLATES / "account" / "email", TEMPLATES / "socialaccount" / "email"]
MAIL_TEMPLATES = sorted(p for d in MAIL_DIRS for p in d.iterdir() if p.suffix in {".txt", ".html"})


def html_of(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def lang_of(message):
    match = HTML_LANG.search(html_of(message))
    assert match, html_of(message)[:300]
    return match.groups()


def ask_for_reset(client, email, accept_language):
    response = client.post(
        "/accounts/password/reset/", {"email": email}, HTTP_ACCEPT_LANGUAGE=accept_language
    )
    assert response.status_code == 302


def test_a_reset_link_goes_out_in_the_owners_language_not_the_askers(client, mailoutbox):
    UserFactory(username="dora", email="dora@example.com", language="de")

    ask_for_reset(client, "dora@example.com", "fr")

    [message] = mailoutbox
    assert message.to == ["dora@example.com"]
    assert lang_of(message) == ("de", "ltr")
    assert "/accounts/password/reset/key/" in message.body  # the link is intact


def test_an_arabic_reader_gets_a_right_to_left_mail(client, mailoutbox):
    UserFactory(username="amal", email="amal@example.com", language="ar")

    ask_for_reset(client, "amal@example.com", "en")

    [message] = mailoutbox
    assert lang_of(message) == ("ar", "rtl")
    # The link stays a left-to-right line of its own in the text part.
    assert re.search(r"^http://testserver/accounts/password/reset/key/\S+$", message.body, re.M)


def test_mail_to_an_address_without_an_account_follows_the_askers_language(client, mailoutbox):
    ask_for_reset(client, "nobody@example.com", "es-ES,es;q=0.9")

    [message] = mailoutbox
    assert message.to == ["nobody@example.com"]
    assert lang_of(message) == ("es", "ltr")


def test_a_user_who_chose_no_language_is_written_to_in_the_askers(client, mailoutbox):
    UserFactory(username="erin", email="erin@example.com", language="")

    ask_for_reset(client, "erin@example.com", "fr")

    [message] = mailoutbox
    assert lang_of(message) == ("fr", "ltr")


def test_a_security_notice_names_the_time_in_the_recipients_zone(client, mailoutbox):
    user = UserFactory(
        username="kenji", email="kenji@example.com", language="de", timezone="Asia/Tokyo"
    )
    # 09:05 UTC is 18:05 in Tokyo (JST, +09:00, no daylight saving).
    with time_machine.travel(datetime(2031, 3, 1, 9, 5, tzinfo=UTC), tick=False):
        login_client(client, user)
        response = client.post(
            "/accounts/password/change/",
            {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302

    [message] = [m for m in mailoutbox if m.to == ["kenji@example.com"]]
    assert lang_of(message) == ("de", "ltr")
    for body in (message.body, html_of(message)):
        assert "18:05 JST (Asia/Tokyo)" in body
        assert "09:05" not in body


def test_the_zone_is_named_for_a_user_in_utc(client, mailoutbox):
    user = UserFactory(username="uma", email="uma@example.com", timezone="")
    with time_machine.travel(datetime(2031, 3, 1, 9, 5, tzinfo=UTC), tick=False):
        login_client(client, user)
        client.post(
            "/accounts/password/change/",
            {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    [message] = [m for m in mailoutbox if m.to == ["uma@example.com"]]
    assert "1 March 2031, 09:05 UTC" in message.body


def test_staff_alerts_go_out_in_each_staff_members_language(client, mailoutbox, settings):
    settings.ACCOUNT_ATTACK_ACCOUNTS_PER_SOURCE = 3
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1000/m/ip,1000/300s/key", "login": ""}
    UserFactory(username="chef", email="chef@example.com", is_staff=True, language="ar")
    UserFactory(username="boss", email="boss@example.com", is_staff=True, language="de")

    for name in ("ghost1", "ghost2", "ghost3"):
        client.post(
            "/accounts/login/",
            {"login": name, "password": "Winter2030!"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_ACCEPT_LANGUAGE="fr",
        )

    alerts = {m.to[0]: m for m in mailoutbox}
    assert set(alerts) == {"chef@example.com", "boss@example.com"}
    # Each in the staff member's own language, not the attacker's (fr); the reason is named by
    # its (translated) label, the code stays out of the subject.
    assert lang_of(alerts["chef@example.com"]) == ("ar", "rtl")
    assert lang_of(alerts["boss@example.com"]) == ("de", "ltr")
    for message in alerts.values():
        assert "many_accounts_from_one_source" not in message.subject
        assert "203.0.113.66" in message.body


# --- Every mail template ----------------------------------------------------------------------


def untranslated_text(source: str) -> str:
    """What a template would show that no translation tag covers (empty when all is marked)."""
    text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", "", source, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", text, flags=re.S)
    text = re.sub(r"<!doctype html>|<[^>]+>|&\w+;", "", text, flags=re.S | re.I)
    return re.sub(r"[\s—:,.()\[\]\"']+", "", text)


@pytest.mark.parametrize("path", MAIL_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_mail_template_marks_all_its_text_for_translation(path):
    source = path.read_text()
    assert untranslated_text(source) == ""
    if "translate" in source:
        assert "{% load i18n" in source
    for tag in re.findall(r"{%\s*blocktranslate[^%]*%}", source):
        assert "trimmed" in tag, tag


def test_every_subject_is_one_line():
    for path in MAIL_TEMPLATES:
        if path.name.endswith("_subject.txt"):
            assert len(path.read_text().strip().splitlines()) == 1, path


HTML_MESSAGES = sorted(
    p for p in MAIL_TEMPLATES if p.name.endswith("_message.html") and p.name != "base_message.html"
)


@pytest.mark.parametrize("path", HTML_MESSAGES, ids=lambda p: p.name)
@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl")])
def test_every_html_mail_is_styled_inline_in_the_recipients_language(path, language, direction):
    assert path.read_text().startswith('{% extends "account/email/base_message.html" %}')
    user = UserFactory(username="rita", language=language, timezone="Asia/Tokyo")
    context = {
        "user": user,
        "staff": user,
        "username": "rita",
        "site_name": "Account site",
        "email": "rita@example.com",
        "when": datetime(2031, 3, 1, 9, 5, tzinfo=UTC),
        "purge_after": datetime(2031, 3, 31, 9, 5, tzinfo=UTC),
        "ip": "198.51.100.7",
        "user_agent": "",
        "code": "BCDF-GHJK",
        "timeout_minutes": 15,
        "activate_url": "https://example.com/confirm/KEY/",
        "password_reset_url": "https://example.com/reset/KEY/",
        "login_url": "https://example.com/login/",
    }
    name = str(path.relative_to(TEMPLATES))
    with translation.override("en"), override_for_user(user):
        html = render_to_string(name, context)
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert "max-width:600px" in html
    assert "<style" not in html and "<script" not in html and " class=" not in html
    assert "JST (Asia/Tokyo)" in html or "{{ when" not in _sources(path)


def _sources(path: Path) -> str:
    """The template and the shared details it includes (where ``when`` is shown)."""
    source = path.read_text()
    if "_details.html" in source:
        source += (TEMPLATES / "account" / "email" / "_details.html").read_text()
    return source
