"""A mail retried by the worker goes out as it was written: in its recipient's language and
zone (issue 17). The worker renders nothing: it sends what the flow rendered, so a retry an hour
later, from a process with no request and the site's default language, changes nothing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from accounts.outbox.models import OutboxMail
from tests.helpers.factories import UserFactory
from tests.helpers.outbox import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

HTML_LANG = re.compile(r'<html lang="([^"]+)" dir="(ltr|rtl)">')


def html_part(received):
    return received.get_body(preferencelist=("html",)).get_content()


@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl")])
def test_a_retried_mail_keeps_its_recipients_language(smtp, language, direction):
    UserFactory(username="dora", email="dora@example.com", language=language)
    with time_machine.travel(datetime(2031, 3, 1, 9, 5, tzinfo=UTC), tick=False):
        response = Client().post(
            "/accounts/password/reset/",
            {"email": "dora@example.com"},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    assert response.status_code == 302
    (queued,) = OutboxMail.objects.all()
    assert queued.status == OutboxMail.Status.QUEUED  # the server was down

    smtp.start()
    with (
        translation.override("en"),
        time_machine.travel(queued.last_attempt_at + timedelta(seconds=61), tick=False),
    ):
        run_worker()

    (delivered,) = smtp.received
    assert HTML_LANG.search(html_part(delivered)).groups() == (language, direction)
    assert OutboxMail.objects.get().status == OutboxMail.Status.SENT
