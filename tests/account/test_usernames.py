"""Usernames at signup: reserved names, look-alikes across alphabets, normalisation."""

import unicodedata

import pytest
from django.test import override_settings

from accounts import signals
from accounts.models import User
from accounts.validators import (
    character_script,
    username_skeleton,
    validate_username_not_reserved,
    validate_username_single_script,
)
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORDS = {"password1": "a long enough passphrase", "password2": "a long enough passphrase"}
CYRILLIC_A = "\u0430"
GREEK_ALPHA = "\u03b1"


def signup(client, username, email="new@example.com"):
    return client.post("/accounts/signup/", {"username": username, "email": email, **PASSWORDS})


def username_error_codes(response):
    assert response.status_code == 200, response.status_code
    return [e["code"] for e in response.context["form"].errors.get_json_data()["username"]]


@pytest.mark.parametrize(
    "name",
    [
        "admin",
        "Admin",
        "ADMINISTRATOR",
        "root",
        "support",
        "staff",
        "system",
        "security",
        "help",
        "info",
        "abuse",
        "postmaster",
        "webmaster",
        "null",
        "api",
        "ad.min",
        "Ro_ot",
        "ＲＯＯＴ",  # fullwidth: NFKC makes it "ROOT"
    ],
)
def test_reserved_usernames_are_refused(client, name, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    assert username_error_codes(signup(client, name)) == ["reserved"]
    assert User.objects.count() == 0
    signed_up.assert_not_called()


@override_settings(ACCOUNT_RESERVED_USERNAMES=["billing-team", "ceo"])
def test_reserved_usernames_can_be_extended(client):
    assert username_error_codes(signup(client, "CEO")) == ["reserved"]
    assert username_error_codes(signup(client, "billingteam")) == ["reserved"]
    assert signup(client, "ceo2").status_code == 302


def test_names_that_merely_contain_a_reserved_word_are_fine(client):
    assert signup(client, "adminton").status_code == 302
    assert User.objects.filter(username="adminton").exists()


@pytest.mark.parametrize(
    "name",
    [
        f"p{CYRILLIC_A}ypal",  # Latin + Cyrillic
        f"{GREEK_ALPHA}lice",  # Greek + Latin
        f"\u0440{GREEK_ALPHA}",  # Cyrillic + Greek
        f"{CYRILLIC_A}dmin",  # also a look-alike of a reserved name
    ],
)
def test_mixed_script_usernames_are_refused(client, name):
    codes = username_error_codes(signup(client, name))
    assert "mixed_script" in codes or "reserved" in codes
    assert User.objects.count() == 0


def test_a_mixed_script_lookalike_of_an_existing_user_is_refused(client):
    UserFactory(username="paypal", email="paypal@example.com")
    assert username_error_codes(signup(client, f"p{CYRILLIC_A}ypal")) == ["mixed_script"]
    assert User.objects.count() == 1


def test_a_single_script_lookalike_of_an_existing_user_is_taken(client):
    UserFactory(username="ape", email="ape@example.com")
    cyrillic_ape = "\u0430\u0440\u0435"  # а р е: one alphabet, looks exactly like "ape"
    assert validate_username_single_script(cyrillic_ape) is None
    assert username_error_codes(signup(client, cyrillic_ape)) == ["username_taken"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("name", ["jürgen", "zoë.oneil", "山田太郎", "やまだtaro", "Ελένη", "иван"])
def test_single_script_and_usual_mixes_are_welcome(client, name):
    response = signup(client, name)
    assert response.status_code == 302, response.context["form"].errors
    assert User.objects.filter(username=unicodedata.normalize("NFKC", name)).exists()


@pytest.mark.parametrize("name", ["alice\u200b", "ali ce", "ali\nce", "ali\x00ce", "\u202ealice"])
def test_invisible_and_control_characters_are_refused(client, name):
    assert signup(client, name).status_code == 200
    assert User.objects.count() == 0


def test_stored_username_is_nfkc_normalised(client):
    assert signup(client, "ｅｖｅ").status_code == 302
    assert User.objects.get().username == "eve"


def test_existing_reserved_accounts_can_still_log_in(client):
    """The rules are for new names: a superuser called "admin" made by createsuperuser works."""
    UserFactory(username="admin", email="admin@example.com")
    response = client.post(
        "/accounts/login/", {"login": "admin", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302


def test_validator_helpers():
    assert character_script("a") == "LATIN"
    assert character_script(CYRILLIC_A) == "CYRILLIC"
    assert character_script(GREEK_ALPHA) == "GREEK"
    assert character_script("中") == "HAN"
    assert character_script("7") is None
    assert character_script("\u0301") is None  # a combining accent belongs to any script
    assert username_skeleton(f"P{CYRILLIC_A}YPAL") == "paypal"
    validate_username_not_reserved("alice")
    validate_username_single_script("alice")
