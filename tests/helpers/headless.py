"""A client of the JSON API that checks every exchange against the served OpenAPI document.

``Api(client, "browser")`` keeps cookies (Django's test client); ``Api(client, "app")`` sends
the ``session_token`` of the last answer as ``X-Session-Token``, as a mobile app would, and
never relies on cookies (it uses a cookie-less client).
"""

import functools
import json

from django.test import Client
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

BASE = "/_allauth/{client}/v1/"


@functools.cache
def _openapi(spec_text):
    spec = json.loads(spec_text)
    # The same document answers plain and https test clients (WebAuthn needs https).
    spec["servers"] = [{"url": "http://testserver"}, {"url": "https://testserver"}]
    return OpenAPI.from_dict(spec)


def served_openapi():
    response = Client().get("/_allauth/openapi.json")
    assert response.status_code == 200
    return _openapi(response.content.decode())


class Api:
    def __init__(self, client=None, kind="browser", *, validate=True):
        self.kind = kind
        self.client = client or Client()
        self.token = None
        self.validate = validate
        self.last = None

    def url(self, path):
        return BASE.format(client=self.kind) + path

    def request(self, method, path, data=None, headers=None, **extra):
        headers = dict(headers or {})
        if self.kind == "app":
            if self.token:
                headers["X-Session-Token"] = self.token
            self.client.cookies.clear()
        kwargs = {"headers": headers, **extra}
        if data is not None:
            kwargs["data"] = json.dumps(data)
            kwargs["content_type"] = "application/json"
        response = getattr(self.client, method.lower())(self.url(path), **kwargs)
        if self.kind == "app":
            assert not response.cookies.get("sessionid"), "the app client got a session cookie"
            self.client.cookies.clear()
        body = response.json()
        assert body["status"] == response.status_code, body
        if self.validate:
            openapi = served_openapi()
            openapi.validate_response(
                DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
            )
            if data is not None and response.status_code != 400:
                openapi.validate_request(DjangoOpenAPIRequest(response.wsgi_request))
        token = body.get("meta", {}).get("session_token")
        if token:
            self.token = token
        self.last = response
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data if data is not None else {}, **kw)

    def put(self, path, data=None, **kw):
        return self.request("PUT", path, data if data is not None else {}, **kw)

    def patch(self, path, data=None, **kw):
        return self.request("PATCH", path, data if data is not None else {}, **kw)

    def delete(self, path, data=None, **kw):
        return self.request("DELETE", path, data, **kw)

    def login(self, user, password):
        response = self.post("auth/login", {"username": user.username, "password": password})
        assert response.status_code == 200, response.json()
        return response


def flow_ids(response):
    return [flow["id"] for flow in response.json()["data"]["flows"]]


def pending(response):
    return [flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending")]


def _closed_signup_adapter():
    """``ACCOUNT_ADAPTER`` of a site that does not take new accounts."""
    from accounts.adapter import DefaultAccountAdapter

    class Closed(DefaultAccountAdapter):
        def is_open_for_signup(self, request):
            return False

    return Closed


ClosedSignupAdapter = _closed_signup_adapter()
