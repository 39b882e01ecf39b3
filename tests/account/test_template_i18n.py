"""Issue 17: every page template is translatable, and pages say their language and direction.

(a) A source check over templates/ (mail templates excepted: their own tests cover them): no
visible text outside ``{% translate %}`` / ``{% blocktranslate %}``, including the attributes a
person reads or hears (tests/helpers/template_text.py). It reads the source, so every branch of
every template is checked, rendered or not.
(b) Served pages carry the negotiated language: ``<html lang="de" dir="ltr">`` for German,
``lang="ar" dir="rtl"`` and Bootstrap's RTL stylesheet for Arabic, and pages listing times name
the viewer's zone.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts.mfa.models import Authenticator
from tests.helpers.factories import AuthenticatorFactory, UserFactory
from tests.helpers.template_text import untranslated_text
from tests.helpers.webauthn import ADD_URL, LIST_URL, HttpsClient

TEMPLATES = Path(settings.BASE_DIR) / "templates"
MAIL_TEMPLATES = ("account/email/", "socialaccount/email/")
# Text that is not prose: a block that fills in a class attribute of the parent template.
ALLOWED = {"admin/activity/dashboard.html": frozenset({"activity-dashboard"})}


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not name.startswith(MAIL_TEMPLATES):
            yield name


def test_the_check_sees_every_page_template():
    names = list(page_templates())
    assert "base.html" in names and "mfa/webauthn/authenticator_list.html" in names
    assert not [name for name in names if name.startswith(MAIL_TEMPLATES)]


@pytest.mark.parametrize("name", list(page_templates()))
def test_page_template_has_no_text_outside_translation_tags(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert untranslated_text(source, ALLOWED.get(name, frozenset())) == []


def test_page_template_with_text_loads_i18n():
    missing = []
    for name in page_templates():
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        uses = re.search(r"{%\s*(translate|blocktranslate)\b", source)
        if uses and not re.search(r"{%\s*load\b[^%]*\bi18n\b", source):
            missing.append(name)
    assert missing == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Sign in</p>", ["Sign in"]),
        ('<button aria-label="Close"></button>', ['<button aria-label="Close">']),
        ('<input type="submit" value="Send">', ['<input value="Send">']),
        ("{% block head_title %}Welcome{% endblock %}", ["Welcome"]),
        ("<p>Hello {{ name }}</p>", ["Hello"]),
        ('<p>{% translate "Sign in" %}</p>', []),
        ('<b aria-label="{% translate "Close" %}">×</b>', []),
        ("<p>{% blocktranslate trimmed %}Hi {{ n }}{% endblocktranslate %}</p>", []),
        ("{# a comment #}{% comment %}notes{% endcomment %}<p>{{ user }} · 42</p>", []),
        ('<input type="hidden" name="next" value="home">', []),
        ("<script>var text = 1;</script>", []),
    ],
)
def test_the_checker_finds_untranslated_text(source, expected):
    assert untranslated_text(source) == expected


def test_webauthn_script_holds_no_english_messages():
    """Its messages come translated from the page (templates/mfa/_webauthn_error.html)."""
    script = (Path(settings.BASE_DIR) / "static/js/webauthn.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', code)
    sentences = [text for text in literals if re.search(r"[A-Za-z]+ [A-Za-z]+", text)]
    assert sentences == ["use strict"]


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/nowhere/"])
def test_german_page_says_lang_de_left_to_right(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="de" dir="ltr"' in html_tag(response)
    assert "bootstrap.rtl.min.css" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/nowhere/"])
def test_arabic_page_says_lang_ar_right_to_left_with_rtl_bootstrap(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="ar")
    html = response.content.decode()
    assert 'lang="ar" dir="rtl"' in html_tag(response)
    assert "vendor/bootstrap/css/bootstrap.rtl.min.css" in html
    assert "vendor/bootstrap/css/bootstrap.min.css" not in html


@pytest.mark.django_db
def test_signed_in_pages_follow_accept_language(client, user, password):
    client.post("/accounts/login/", {"login": user.username, "password": password})
    for path in (
        "/accounts/email/",
        "/accounts/2fa/",
        "/accounts/sessions/",
        "/accounts/activity/",
    ):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 200, path
        assert 'lang="ar" dir="rtl"' in html_tag(response), path


@pytest.mark.django_db
def test_activity_page_names_the_viewers_zone(client, password):
    user = UserFactory(username="zoe", timezone="Europe/Berlin")
    client.post("/accounts/login/", {"login": user.username, "password": password})
    html = client.get("/accounts/activity/").content.decode()
    assert "When (Europe/Berlin)" in html
    assert "(UTC)" not in html


@pytest.mark.django_db
def test_sessions_and_security_keys_pages_name_the_viewers_zone(password):

    user = UserFactory(username="kenji", timezone="Asia/Tokyo")
    client = HttpsClient()
    client.post("/accounts/login/", {"login": user.username, "password": password})
    # Added after signing in, so that the sign-in needs no second factor.
    AuthenticatorFactory(user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Yubi"})
    sessions = client.get("/accounts/sessions/").content.decode()
    assert re.search(r"<time [^>]*>[^<]* JST</time>", sessions)
    keys = client.get(LIST_URL).content.decode()
    assert 'data-testid="webauthn-timezone">Times in Asia/Tokyo</caption>' in keys


@pytest.mark.django_db
def test_security_key_page_gives_the_script_its_messages(password):

    user = UserFactory(username="mia")
    client = HttpsClient()
    client.post("/accounts/login/", {"login": user.username, "password": password})
    html = client.get(ADD_URL).content.decode()
    box = re.search(r"<div [^>]*data-webauthn-error[^>]*>", html).group(0)
    for name in ("cancelled", "registered", "unsupported", "failed", "failed-detail"):
        assert re.search(rf'data-message-{name}="[^"]+"', box), name
    assert "%(detail)s" in box
