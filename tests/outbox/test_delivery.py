"""Mail is never lost and never breaks a flow (issue 13, point 14).

The mail server here is a real one (aiosmtpd) on a local port: "down" means nothing listens
there, so Django's SMTP backend meets a refused connection, as in an outage. Retries are run by
the real ``db_worker`` command over the database task queue. These tests commit for real
(``transaction=True``): what goes out after a commit, and what a rollback leaves, is the point.
"""

import json
import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts import signals
from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress
from accounts.outbox.models import OutboxMail
from tests.helpers.clients import login_client
from tests.helpers.email import act
from tests.helpers.outbox import run_worker, stored_text, text_of
from tests.helpers.webauthn import ADD_URL, HttpsClient, options_in
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db(transaction=True)

CONFIRM_LINK = re.compile(r"https?://testserver(/accounts/confirm-email/[^/\s]+/)")


def at(seconds_after, start):
    return time_machine.travel(start + timedelta(seconds=seconds_after), tick=False)


def queued_mail():
    return list(OutboxMail.objects.order_by("pk"))


def test_add_email_with_the_mail_server_down_succeeds_and_delivers_once_it_is_back(
    client, user, smtp, caplog
):
    login_client(client, user)

    response = act(client, "action_add", "new@example.org")

    # The flow went through: no 500, the address is there, and the page says it is on its way.
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=user, email="new@example.org").exists()
    # Both mails of the flow (the link to the new address, the notice to the primary one)
    # are queued with the error, to be tried again in a minute.
    queued = queued_mail()
    assert [(m.template, m.to) for m in queued] == [
        ("account/email/email_confirmation", ["new@example.org"]),
        ("account/email/email_added", ["alice@example.com"]),
    ]
    for row in queued:
        assert (row.status, row.attempts) == (OutboxMail.Status.QUEUED, 1)
        assert row.last_error.startswith("ConnectionRefusedError")
        assert row.next_attempt_at == row.last_attempt_at + timedelta(seconds=60)
    confirmation = queued[0]
    key_path = CONFIRM_LINK.search(confirmation.content["body"]).group(1)
    assert "Could not send the email_confirmation mail." in caplog.text
    failed_at = confirmation.last_attempt_at

    smtp.start()
    with at(30, failed_at):
        run_worker()  # not due yet: the retry waits for its delay
    assert smtp.received == []
    with at(61, failed_at):
        run_worker()
    assert smtp.recipients() == ["alice@example.com", "new@example.org"]
    for row in queued_mail():
        assert (row.status, row.attempts, row.content) == (OutboxMail.Status.SENT, 2, None)

    # Exactly once: every task left (the fallbacks of the first sends included) finds it sent.
    with at(24 * 3600, failed_at):
        run_worker()
    assert len(smtp.received) == 2
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()

    # The mail that arrived is the real one: its link verifies the address.
    (arrived,) = [m for m in smtp.received if m["To"] == "new@example.org"]
    delivered_path = CONFIRM_LINK.search(text_of(arrived)).group(1)
    assert delivered_path == key_path
    key = key_path.rstrip("/").rsplit("/", 1)[-1]
    assert key not in stored_text()
    assert client.post(delivered_path).status_code == 302
    assert EmailAddress.objects.get(email="new@example.org").verified


def test_add_security_key_with_the_mail_server_down_succeeds(user, password, smtp):
    client = login_client(HttpsClient(), user, password)
    soft = SoftAuthenticator()
    options = options_in(client.get(ADD_URL))
    credential = soft.create(options["key"], uv=False)

    response = client.post(ADD_URL, {"name": "Blue key", "credential": json.dumps(credential)})

    assert response.status_code == 200  # the page with the new recovery codes, not a 500
    assert Authenticator.objects.filter(user=user, type="webauthn").exists()
    (notice,) = queued_mail()
    assert (notice.template, notice.to) == ("account/email/webauthn_added", ["alice@example.com"])
    assert notice.status == OutboxMail.Status.QUEUED

    smtp.start()
    with at(61, notice.last_attempt_at):
        run_worker()
    with at(24 * 3600, notice.last_attempt_at):
        run_worker()
    assert smtp.recipients() == ["alice@example.com"]
    assert "Blue key" in text_of(smtp.received[0])


def test_password_reset_request_with_the_mail_server_down_is_delivered_later(smtp):
    """An anonymous flow: the reset link reaches its owner once the server is back."""
    from tests.helpers.factories import UserFactory

    UserFactory(username="carol", email="carol@example.com")
    response = Client().post("/accounts/password/reset/", {"email": "carol@example.com"})
    assert response.status_code == 302
    (reset,) = queued_mail()
    assert reset.status == OutboxMail.Status.QUEUED

    smtp.start()
    with at(61, reset.last_attempt_at):
        run_worker()
    (delivered,) = smtp.received
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", text_of(delivered))
    assert link
    assert link.group(1) not in stored_text()
    form = Client().get(link.group(1), follow=True).content.decode()
    assert 'name="password1"' in form  # the key opens the new-password form


def test_retries_back_off_then_give_up_for_staff_to_see(client, user, smtp, settings, caplog):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    login_client(client, user)
    act(client, "action_add", "new@example.org")
    confirmation, _notice = queued_mail()
    start = confirmation.last_attempt_at

    # Tries at +0 (after the commit), +60 s, then +60+120 s; nothing in between.
    for seconds, attempts in [(59, 1), (60, 2), (179, 2), (180, 3), (24 * 3600, 3)]:
        with at(seconds, start):
            run_worker()
        confirmation.refresh_from_db()
        assert confirmation.attempts == attempts, seconds
    assert confirmation.status == OutboxMail.Status.FAILED
    assert confirmation.next_attempt_at is None
    assert confirmation.last_error.startswith("ConnectionRefusedError")
    assert confirmation.content is not None  # kept for a retry by staff
    assert f"Gave up on the email_confirmation mail (outbox #{confirmation.pk})" in caplog.text
    assert smtp.received == []


def test_a_flow_that_rolls_back_sends_nothing(user, mailoutbox, signal_catcher):
    """A receiver fails after the confirmation mail was queued: the flow is a 500, and the
    mail, its sweep and the address are gone with the transaction."""
    client = login_client(Client(raise_request_exception=False), user)
    vetoed = signal_catcher(signals.email_added)
    vetoed.side_effect = RuntimeError("a receiver failed")

    response = act(client, "action_add", "new@example.org")

    assert response.status_code == 500
    assert vetoed.called
    assert not EmailAddress.objects.filter(email="new@example.org").exists()
    assert OutboxMail.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert mail.outbox == []

    # The same flow, committed, goes out at once (the mail cooldown, kept in the cache and
    # not part of the transaction, is cleared first).
    vetoed.side_effect = None
    cache.clear()
    login_client(client, user)  # cache-backed sessions went with the cache
    assert act(client, "action_add", "new@example.org").status_code == 302
    assert [m.to for m in mail.outbox] == [["new@example.org"], ["alice@example.com"]]
    assert {m.status for m in queued_mail()} == {OutboxMail.Status.SENT}


def test_mail_sent_after_the_commit_is_recorded_without_its_body(client, user, mailoutbox):
    login_client(client, user)
    act(client, "action_add", "new@example.org")

    sent, _notice = mailoutbox
    row, _notice_row = queued_mail()
    assert row.status == OutboxMail.Status.SENT
    assert (row.attempts, row.content, row.last_error) == (1, None, "")
    assert row.sent_at is not None and row.claimed_until is None
    assert (row.subject, row.to, row.template) == (
        sent.subject,
        ["new@example.org"],
        "account/email/email_confirmation",
    )
    key = CONFIRM_LINK.search(sent.body).group(1).rstrip("/").rsplit("/", 1)[-1]
    assert key in sent.body and key not in stored_text()
    # Its sweep, once due, finds it sent and sends nothing again.
    with at(24 * 3600, timezone.now()):
        run_worker()
    assert len(mailoutbox) == 2


def test_mail_whose_sender_died_after_the_commit_is_sent_by_the_sweep(client, user, smtp):
    """The process "dies" between the commit and the sends (they never happen): both mails
    of the flow stay claimed; the one sweep committed with them sends them, once, after the
    claims ran out. (test_process_death.py does it with a real process on PostgreSQL.)"""
    login_client(client, user)
    with mock.patch("accounts.outbox.delivery._send"):
        assert act(client, "action_add", "new@example.org").status_code == 302
    queued = queued_mail()
    assert {(m.status, m.attempts) for m in queued} == {(OutboxMail.Status.SENDING, 0)}
    (sweep,) = DBTaskResult.objects.filter(task_path__endswith="sweep_mail")
    assert sweep.run_after > max(m.claimed_until for m in queued)
    smtp.start()

    run_worker()  # the claims still hold: nobody sends yet
    assert smtp.received == []
    with at(1, sweep.run_after):
        run_worker()
    assert smtp.recipients() == ["alice@example.com", "new@example.org"]
    for row in queued_mail():
        assert (row.status, row.attempts, row.content) == (OutboxMail.Status.SENT, 1, None)
    with at(24 * 3600, sweep.run_after):
        run_worker()
    assert len(smtp.received) == 2
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()


def test_a_sweep_that_meets_a_mail_server_still_down_hands_it_to_the_retries(client, user, smtp):
    login_client(client, user)
    with mock.patch("accounts.outbox.delivery._send"):
        act(client, "action_add", "new@example.org")
    (sweep,) = DBTaskResult.objects.filter(task_path__endswith="sweep_mail")
    with at(1, sweep.run_after):
        run_worker()  # server down: back to the queue with a retry
    assert {(m.status, m.attempts) for m in queued_mail()} == {(OutboxMail.Status.QUEUED, 1)}
    smtp.start()
    with at(62, sweep.run_after):
        run_worker()
    assert smtp.recipients() == ["alice@example.com", "new@example.org"]
