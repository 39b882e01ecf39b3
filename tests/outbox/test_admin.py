"""Staff see mail that keeps failing, with its error, and can have it tried again."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from accounts.outbox.models import OutboxMail
from tests.helpers.factories import UserFactory
from tests.helpers.outbox import run_worker, stored_text, text_of

pytestmark = pytest.mark.django_db(transaction=True)

LIST_URL = "/admin/outbox/outboxmail/"
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/key/\S+)")


@pytest.fixture
def failed_reset(smtp, settings):
    """A reset link that could not be sent, and was given up on at once."""
    settings.OUTBOX_MAX_ATTEMPTS = 1
    UserFactory(username="carol", email="carol@example.com")
    assert (
        Client().post("/accounts/password/reset/", {"email": "carol@example.com"}).status_code
        == 302
    )
    mail = OutboxMail.objects.get()
    assert mail.status == OutboxMail.Status.FAILED
    return mail


def retry(client, *mails):
    return client.post(
        LIST_URL,
        {"action": "retry_delivery", "_selected_action": [mail.pk for mail in mails]},
        follow=True,
    )


def test_staff_see_failed_mail_with_its_error_but_never_its_body(admin_client, failed_reset):
    key_path = RESET_LINK.search(failed_reset.content["body"]).group(1)

    listing = admin_client.get(LIST_URL).content.decode()
    assert failed_reset.subject in listing
    assert "carol@example.com" in listing
    assert "Failed (gave up)" in listing
    assert "ConnectionRefusedError" in listing

    detail = admin_client.get(f"{LIST_URL}{failed_reset.pk}/change/").content.decode()
    assert "Connection refused" in detail
    for page in (listing, detail):
        assert key_path not in page and "/password/reset/key/" not in page

    assert admin_client.get(f"{LIST_URL}add/").status_code == 403
    edit = admin_client.post(f"{LIST_URL}{failed_reset.pk}/change/", {"subject": "Changed"})
    assert edit.status_code == 403
    assert OutboxMail.objects.get().subject == failed_reset.subject
    found = admin_client.get(LIST_URL, {"q": "carol@example"}).content.decode()
    assert failed_reset.subject in found
    assert failed_reset.subject not in admin_client.get(LIST_URL, {"q": "dave"}).content.decode()
    filtered = admin_client.get(LIST_URL, {"status__exact": "sent"}).content.decode()
    assert failed_reset.subject not in filtered


def test_retry_action_sends_it_through_the_worker_once_the_server_is_back(
    admin_client, failed_reset, smtp
):
    smtp.start()
    page = retry(admin_client, failed_reset).content.decode()

    assert "1 mail queued again" in page
    failed_reset.refresh_from_db()
    assert (failed_reset.status, failed_reset.attempts) == (OutboxMail.Status.QUEUED, 0)
    assert smtp.received == []  # the worker sends it, not the admin request

    run_worker()
    (delivered,) = smtp.received
    failed_reset.refresh_from_db()
    assert failed_reset.status == OutboxMail.Status.SENT and failed_reset.content is None
    link = RESET_LINK.search(text_of(delivered)).group(1)
    assert link not in stored_text()
    form = Client().get(link, follow=True).content.decode()
    assert 'name="password1"' in form  # the emailed key still opens the new-password form

    # A sent mail is not sent again, however often staff ask.
    page = retry(admin_client, failed_reset).content.decode()
    assert "1 mail skipped: already sent or being sent." in page
    with time_machine.travel(failed_reset.sent_at + timedelta(days=1), tick=False):
        run_worker()
    assert len(smtp.received) == 1


def test_retry_needs_the_change_permission(failed_reset, password):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmail"))
    client = Client()
    client.force_login(viewer)

    assert client.get(LIST_URL).status_code == 200
    retry(client, failed_reset)
    failed_reset.refresh_from_db()
    assert failed_reset.status == OutboxMail.Status.FAILED


def test_mail_is_not_shown_to_users_who_are_not_staff(failed_reset, user, password):
    client = Client()
    client.force_login(user)
    response = client.get(LIST_URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_without_a_deferring_backend_failed_mail_waits_for_staff(admin_client, smtp, settings):
    """The immediate task backend cannot schedule a retry: the mail is failed at once (the
    system check warns about this set-up), and the retry action sends it there and then."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    UserFactory(username="carol", email="carol@example.com")
    Client().post("/accounts/password/reset/", {"email": "carol@example.com"})
    mail = OutboxMail.objects.get()
    assert (mail.status, mail.attempts) == (OutboxMail.Status.FAILED, 1)

    smtp.start()
    retry(admin_client, mail)

    assert smtp.recipients() == ["carol@example.com"]
    mail.refresh_from_db()
    assert mail.status == OutboxMail.Status.SENT


def test_retry_takes_over_mail_whose_sender_stopped_but_not_mail_being_sent(
    admin_client, mailoutbox
):
    now = timezone.now()
    content = {
        "body": "Hello",
        "alternatives": [],
        "headers": {},
        "cc": [],
        "bcc": [],
        "reply_to": [],
    }

    def sending(subject, claimed_until):
        return OutboxMail.objects.create(
            from_email="site@example.com",
            to=["a@example.com"],
            subject=subject,
            content=content,
            status=OutboxMail.Status.SENDING,
            claimed_until=claimed_until,
        )

    stopped = sending("Stopped", now - timedelta(minutes=1))
    busy = sending("Busy", now + timedelta(minutes=5))

    page = retry(admin_client, stopped, busy).content.decode()

    assert "1 mail queued again" in page and "1 mail skipped" in page
    run_worker()
    assert [m.subject for m in mailoutbox] == ["Stopped"]
    assert OutboxMail.objects.get(pk=busy.pk).status == OutboxMail.Status.SENDING
