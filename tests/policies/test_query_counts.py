"""Query counts of the policy flows, pinned; none grows with the user's rows."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import EmailAddress
from tests.helpers.clients import login_client
from tests.helpers.factories import UserFactory
from tests.helpers.mfa import add_totp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _db_sessions(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def queries_of(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, len(captured.captured_queries)


def test_the_mfa_middleware_costs_nothing_when_off(auth_client, user):
    _, off = queries_of(lambda: auth_client.get("/accounts/email/"))
    add_totp(user)
    with override_settings(MFA_REQUIRED="all"):
        _, on = queries_of(lambda: auth_client.get("/accounts/email/"))
    assert on == off + 1  # one "has a second factor?" query, only when a policy applies


def test_export_does_not_grow_with_rows(make_client, django_assert_num_queries):
    def export_for(n):
        user = UserFactory()
        for i in range(n):
            EmailAddress.objects.create(user=user, email=f"{user.username}-{i}@example.org")
            login_client(make_client(), user)  # a session record and a log row each
        client = login_client(make_client(), user)
        return queries_of(lambda: client.post("/accounts/export/"))

    (small, few), (big, many) = export_for(1), export_for(6)
    assert small.status_code == big.status_code == 200
    assert few == many
    client = login_client(make_client(), UserFactory())
    # session, user, SAVEPOINT, factor?, deletion?, addresses, sessions, devices,
    # authenticators, profile, 3 logs, SAVEPOINT, audit INSERT, RELEASE, RELEASE, session save
    with django_assert_num_queries(few):
        client.post("/accounts/export/")


def test_delete_request_grows_only_by_the_session_store(make_client, outbox_sweep_scheduled):
    def delete_for(n):
        user = UserFactory()
        clients = [login_client(make_client(), user) for _ in range(n)]
        return queries_of(lambda: clients[0].post("/accounts/delete/", {"confirm": "on"}))

    (one, alone), (two, few), (three, many) = delete_for(1), delete_for(2), delete_for(3)
    assert one.status_code == two.status_code == three.status_code == 200
    # The deletion notice is 2 of them (its outbox row and sent mark; the outbox's sweep is
    # scheduled already); each of the two audit rows is one INSERT (its hourly counter is
    # kept by the table's trigger).
    assert alone == 26
    # Each other session is deleted from the store by key (the session backend's API, as
    # when a password change signs the others out: ``usersessions.store.end_sessions``);
    # everything else (records, audit rows) is one query whatever their number.
    assert few == 28
    assert many == few + 2
