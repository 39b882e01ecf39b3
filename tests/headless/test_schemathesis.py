"""Property-based run of the whole API against the spec the site serves (schemathesis).

Every operation of ``/_allauth/openapi.json`` (loaded over WSGI from the running app) gets
generated requests, for both clients, anonymous and signed in (the app client with a live
session token; the browser with a valid CSRF token so its unsafe requests reach the
endpoints). Checked on every answer: no 5xx, a documented status code, the documented content
type, and a body valid against the documented schema. CI runs it with the rest of the suite.
"""

import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.headless import Api

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Any 32-character secret is a valid CSRF token of itself (Django's unmasked form).
CSRF = "a" * 32
# A few examples per operation keep CI quick; SCHEMATHESIS_EXAMPLES=200 digs deeper.
EXAMPLES = settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class KeepTheTestConnection:
    """The site's WSGI app, without closing the database connection at the end of each
    request (Django's request signals would, taking the test's transaction with it; Django's
    test client disconnects them the same way)."""

    def __init__(self):
        self.app = get_wsgi_application()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def served_schema(db):
    return schemathesis.openapi.from_wsgi("/_allauth/openapi.json", KeepTheTestConnection())


def operations(schema):
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) == 52  # every operation of the spec (a new one raises this)
    return found


def run(operation, prepare):
    @given(case=operation.as_strategy())
    @EXAMPLES
    def check(case):
        cache.clear()  # rate limits would otherwise turn every later example into a 429
        prepare(case)
        extra = {}
        if case.path_parameters.get("client") == "browser":
            extra = {"headers": {"X-CSRFToken": CSRF}, "cookies": {"csrftoken": CSRF}}
        case.call_and_validate(checks=CHECKS, **extra)

    check()


def test_anonymous(served_schema):
    for operation in operations(served_schema):
        run(operation, lambda case: None)


def test_signed_in_app(served_schema, user):
    app = Api(kind="app", validate=False)
    app.login(user, DEFAULT_PASSWORD)

    def sign_in(case):
        # A fresh login whenever an example logged out or changed the password.
        if app.get("auth/session").status_code != 200:
            app.token = None
            user.set_password(DEFAULT_PASSWORD)
            user.save()
            app.login(user, DEFAULT_PASSWORD)
        case.path_parameters["client"] = "app"
        case.headers = {**(case.headers or {}), "X-Session-Token": app.token}

    for operation in operations(served_schema):
        run(operation, sign_in)


CODE_FEATURE_PATHS = (
    "/auth/code/",
    "/auth/email/verify",
    "/auth/password/",
    "/auth/2fa/",
    "/auth/webauthn/signup",
)


def test_anonymous_with_code_features_on(served_schema, settings, user):
    """The code, trust and passkey-signup operations with their features on, mid-flow: a
    login code, a reset code and a verification code pending in the app session used."""
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    settings.ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
    settings.ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
    settings.ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
    settings.MFA_TRUST_ENABLED = True
    settings.MFA_PASSKEY_SIGNUP_ENABLED = True
    app = Api(kind="app", validate=False)

    def mid_flow(case):
        if app.token is None or app.get("auth/session").status_code != 401:
            app.token = None
            app.post("auth/code/request", {"email": user.email})
        case.path_parameters["client"] = "app"
        case.headers = {**(case.headers or {}), "X-Session-Token": app.token}

    chosen = [
        operation
        for operation in operations(served_schema)
        if any(part in operation.path for part in CODE_FEATURE_PATHS)
    ]
    assert len(chosen) == 15
    for operation in chosen:
        run(operation, mid_flow)
        run(operation, lambda case: None)
