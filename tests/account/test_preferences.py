"""Each visitor's language and time zone over HTTP: negotiation, the switcher, the account's
remembered choice, the browser-reported zone, and the preferences page."""

import re

import pytest

from accounts.models import User
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def test_accept_language_picks_the_page_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")
    assert 'lang="fr"' in html_tag(response) and 'dir="ltr"' in html_tag(response)
    assert response["Content-Language"] == "fr"


def test_arabic_is_right_to_left_with_bootstrap_rtl(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar")
    assert 'lang="ar"' in html_tag(response) and 'dir="rtl"' in html_tag(response)
    assert "bootstrap.rtl.min.css" in response.content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "bootstrap.rtl.min.css" not in english.content.decode()


def test_unsupported_language_falls_back_to_english(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja")
    assert 'lang="en"' in html_tag(response)


def test_set_language_sets_the_cookie_and_goes_back_to_a_safe_next(client):
    response = client.post(
        "/i18n/setlang/", {"language": "de", "next": "/accounts/login/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.cookies["django_language"].value == "de"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="de"' in html_tag(page)

    offsite = client.post("/i18n/setlang/", {"language": "es", "next": "https://evil.example/"})
    assert offsite.status_code == 302 and offsite["Location"] == "/"


def test_set_language_needs_post_and_csrf(client):
    assert client.get("/i18n/setlang/?language=de").status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/i18n/setlang/", {"language": "de"}).status_code == 403


def test_a_signed_in_users_choice_is_remembered_and_wins_over_accept_language(auth_client, user):
    auth_client.post("/i18n/setlang/", {"language": "es", "next": "/accounts/email/"})
    user.refresh_from_db()
    assert user.language == "es"
    auth_client.cookies.pop("django_language")  # another device: only Accept-Language
    page = auth_client.get("/accounts/email/", HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="es"' in html_tag(page)


def test_an_unknown_language_is_not_saved(auth_client, user):
    auth_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == ""


def test_signup_remembers_the_language_it_was_made_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carla",
            "email": "carla@example.com",
            "password1": "a long unusual passphrase 42",
            "password2": "a long unusual passphrase 42",
        },
        HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9",
    )
    assert response.status_code == 302
    assert User.objects.get(username="carla").language == "es"


def test_the_browser_reported_zone_is_used_and_remembered_once(auth_client, user):
    auth_client.cookies["tz"] = "Asia/Tokyo"
    page = auth_client.get("/accounts/email/")
    assert "Asia/Tokyo" in page.content.decode()
    user.refresh_from_db()
    assert user.timezone == "Asia/Tokyo"
    # A later report (travel) does not overwrite the account's zone; the page keeps it.
    auth_client.cookies["tz"] = "America/Lima"
    page = auth_client.get("/accounts/email/")
    user.refresh_from_db()
    assert user.timezone == "Asia/Tokyo" and "Asia/Tokyo" in page.content.decode()


@pytest.mark.parametrize("cookie", ["Not/AZone", "../../etc", "UTC; DROP"])
def test_a_bogus_zone_cookie_is_ignored(auth_client, user, cookie):
    auth_client.cookies["tz"] = cookie
    page = auth_client.get("/accounts/email/")
    assert page.status_code == 200 and 'data-testid="footer-timezone"' in page.content.decode()
    user.refresh_from_db()
    assert user.timezone == ""


def test_anonymous_pages_use_the_reported_zone_without_storing_it(client):
    client.cookies["tz"] = "Europe/Berlin"
    page = client.get("/accounts/login/")
    assert "Europe/Berlin" in page.content.decode()


def test_preferences_page_saves_language_and_zone(auth_client, user):
    page = auth_client.get("/accounts/preferences/")
    assert page.status_code == 200
    response = auth_client.post(
        "/accounts/preferences/", {"language": "fr", "timezone": "America/Sao_Paulo"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/preferences/"
    user.refresh_from_db()
    assert (user.language, user.timezone) == ("fr", "America/Sao_Paulo")
    assert auth_client.cookies["django_language"].value == "fr"
    page = auth_client.get("/accounts/preferences/")
    assert 'lang="fr"' in html_tag(page) and "America/Sao_Paulo" in page.content.decode()


def test_preferences_back_to_automatic(auth_client, user):
    user.language, user.timezone = "de", "Europe/Berlin"
    user.save()
    auth_client.post("/accounts/preferences/", {"language": "", "timezone": ""})
    user.refresh_from_db()
    assert (user.language, user.timezone) == ("", "")


@pytest.mark.parametrize(
    "data", [{"language": "xx", "timezone": ""}, {"language": "", "timezone": "Mars/Olympus"}]
)
def test_preferences_refuse_unknown_values_with_a_form_error(auth_client, user, data):
    response = auth_client.post("/accounts/preferences/", data)
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    user.refresh_from_db()
    assert (user.language, user.timezone) == ("", "")


def test_preferences_need_a_signed_in_user(client):
    response = client.get("/accounts/preferences/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_times_on_the_sessions_page_follow_the_users_zone(client):
    user = UserFactory(username="kenji", timezone="Asia/Tokyo")
    from tests.helpers.clients import login_client

    login_client(client, user)
    page = client.get("/accounts/sessions/").content.decode()
    assert "Asia/Tokyo" in page


def test_the_admin_names_the_zone_its_times_are_in(client):
    staff = UserFactory(username="root", is_staff=True, is_superuser=True, timezone="Europe/Paris")
    from tests.helpers.clients import login_client

    login_client(client, staff)
    page = client.get("/admin/activity/loginlog/").content.decode()
    assert 'data-testid="admin-timezone"' in page and "Europe/Paris" in page
