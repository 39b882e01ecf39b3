"""Every page and the mails, read in German, French, Spanish and Arabic (issue 17, "What it
must show" 1): no English string left that the catalogue translates, ``<html lang dir>`` right.

Pages come from the one table of pages (tests/helpers/pages.py), visited over HTTP with
``Accept-Language`` by each role: anonymous, half-way through a two-factor login, signed in,
signed in with second factors, staff in the admin.
"""

import re

import pytest
from django.test import override_settings

from accounts.models import User
from tests.helpers.clients import login_client
from tests.helpers.i18n import LANGUAGES, english_fragments, untranslated
from tests.helpers.mfa import current_code, mfa_login, start_login
from tests.helpers.pages import ROLES, pages_of, resolve

pytestmark = pytest.mark.django_db

PERMISSIONS_SELECT = re.compile(r'<select name="user_permissions".*?</select>', re.S)


def sign_in(client, role, data):
    """The Django test client version of the roles' sign-in (the browser's is in pages.py),
    in the client's language (the messages it leaves are shown on the next page)."""
    if role == "anon":
        return
    user = User.objects.get(username=data["username"])
    if role == "pending":
        start_login(client, user)
    elif role == "mfa":
        mfa_login(client, user, current_code(data["secret"]))
    else:
        login_client(client, user)


def html_tag(markup):
    return re.search(r"<html[^>]*>", markup).group(0)


def test_the_english_fragments_are_many():
    """The detector has something to detect in each language (a check that it can fail)."""
    for language in LANGUAGES:
        assert len(english_fragments(language)) > 500


def test_the_detector_finds_english_on_an_english_page(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(untranslated("de", page)) >= 3


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_is_in_the_visitors_language(client, role, language):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    data = ROLES[role].setup()
    sign_in(client, role, data)
    data = resolve(data)
    problems = {}
    for entry in pages_of(role):
        with override_settings(**entry.settings):
            response = client.get(entry.path(data), follow=True)
        assert response.status_code == entry.status, (entry.name, response.status_code)
        # Permission names are rows Django writes at migrate time ("Can view login log
        # entry"), in the language of that command: data, not text the catalogues can reach.
        markup = PERMISSIONS_SELECT.sub("", response.content.decode())
        tag = html_tag(markup)
        direction = "rtl" if language == "ar" else "ltr"
        if f'lang="{language}"' not in tag or f'dir="{direction}"' not in tag:
            problems[entry.name] = tag
        left = untranslated(language, markup)
        if left:
            problems[entry.name] = left
    assert problems == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_mail_goes_out_in_the_users_language(client, mailoutbox, language):
    """A reset link, an address confirmation and a security notice to a user who chose
    ``language``, asked for from a browser in English."""
    from tests.helpers.factories import UserFactory

    user = UserFactory(username="maria", email="maria@example.com", language=language)
    client.post("/accounts/password/reset/", {"email": "maria@example.com"})
    login_client(client, user)
    client.post("/accounts/email/", {"email": "maria.work@example.org", "action_add": ""})
    client.post(
        "/accounts/password/change/",
        {"oldpassword": "", "password1": "", "password2": ""},
    )
    assert len(mailoutbox) >= 2
    for message in mailoutbox:
        html = next((body for body, kind in message.alternatives if kind == "text/html"), "")
        for part in (message.subject, message.body, html):
            assert untranslated(language, part) == [], (message.subject, part[:300])
        if html:
            assert f'lang="{language}"' in html
