"""The JSON API answers in the visitor's language: its own refusals and the input errors
pydantic finds (pydantic's messages are English only, so each kind gets one of ours)."""

import pytest
from django.utils import translation

from tests.helpers.headless import Api

pytestmark = pytest.mark.django_db


def messages_of(response):
    return {item.get("param"): item["message"] for item in response.json()["errors"]}


@pytest.mark.parametrize("language", ["de", "fr", "es", "ar"])
def test_a_missing_field_is_named_in_the_visitors_language(language):
    api = Api(validate=False)
    response = api.post("auth/password/request", {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    with translation.override(language):
        expected = translation.gettext("This field is required.")
    assert expected != "This field is required."
    assert messages_of(response)["email"] == expected


def test_english_messages_for_english_visitors():
    api = Api(validate=False)
    response = api.post(
        "auth/password/request", {"email": ["not", "a", "string"]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert messages_of(response)["email"] == "This value is not of the expected kind."
    missing = api.post("auth/password/request", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert messages_of(missing)["email"] == "This field is required."
