"""The served description: a valid OpenAPI 3.1 document (JSON and YAML alike), covering every
endpoint the URLconf mounts; the docs page uses only vendored files under the site's CSP."""

import json

import pytest
import yaml
from django.test import Client
from openapi_spec_validator import validate

from accounts.headless.routes import ROUTES

pytestmark = pytest.mark.django_db


def test_json_and_yaml_are_the_same_valid_document(client):
    spec = client.get("/_allauth/openapi.json").json()
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    text = client.get("/_allauth/openapi.yaml")
    assert text["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(text.content) == json.loads(json.dumps(spec))
    assert spec["servers"] == [{"url": "http://testserver"}]


def test_every_mounted_endpoint_is_described(client):
    paths = client.get("/_allauth/openapi.json").json()["paths"]
    for route, view, _name in ROUTES:
        operations = paths[f"/_allauth/{{client}}/v1/{route}"]
        assert set(operations) == {m.lower() for m in view.headless_methods}, route


def test_docs_page_is_self_hosted(client):
    response = client.get("/_allauth/docs/")
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "<script>" not in html and "cdn" not in html.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_serving_can_be_turned_off(settings):
    settings.HEADLESS_SERVE_SPECIFICATION = False
    client = Client()
    for path in ("/_allauth/openapi.json", "/_allauth/openapi.yaml", "/_allauth/docs/"):
        assert client.get(path).status_code == 404
