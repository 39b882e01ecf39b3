"""Two workers on one queued mail: exactly one sends it (real threads, PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from accounts.outbox.delivery import deliver
from accounts.outbox.models import OutboxMail
from tests.helpers.factories import UserFactory
from tests.helpers.outbox import run_worker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_racing_for_one_mail_send_it_once(client, smtp):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between connections)")
    UserFactory(username="carol", email="carol@example.com")
    client.post("/accounts/password/reset/", {"email": "carol@example.com"})  # server down
    mail = OutboxMail.objects.get()
    assert mail.status == OutboxMail.Status.QUEUED
    smtp.start()

    barrier = threading.Barrier(2, timeout=10)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(deliver(mail.pk, generation=mail.generation))
        finally:
            connection.close()

    with time_machine.travel(mail.next_attempt_at + timedelta(seconds=1), tick=True):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    # One claimed and sent it; the other found it held (and will look again when that claim
    # ends, in case the sender died), or, if it came late, already sent.
    assert sorted(outcomes) in (["held", "sent"], ["sent", "skipped"])
    assert smtp.recipients() == ["carol@example.com"]
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (OutboxMail.Status.SENT, 2)
    with time_machine.travel(mail.sent_at + timedelta(days=1), tick=False):
        run_worker()
    assert len(smtp.received) == 1
