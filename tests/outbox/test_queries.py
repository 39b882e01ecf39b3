"""What one mail costs the flow that sends it, pinned."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.adapter import get_adapter
from accounts.outbox.delivery import SWEEP_WINDOW
from accounts.outbox.models import OutboxMail

pytestmark = pytest.mark.django_db

CONTEXT = {"email": "nobody@example.com", "signup_url": "/s/", "password_reset_url": "/r/"}


def send(django_assert_num_queries, django_capture_on_commit_callbacks, queries):
    with django_assert_num_queries(queries), django_capture_on_commit_callbacks() as after_commit:
        get_adapter().send_mail("account/email/unknown_account", "nobody@example.com", CONTEXT)
    return after_commit


def sweeps():
    return DBTaskResult.objects.filter(task_path__endswith="sweep_mail").count()


def test_a_mail_costs_one_insert_in_the_flow_and_one_update_after_the_commit(
    mailoutbox, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # The first mail of this process's minute: the outbox INSERT and its sweep's INSERT.
    after_commit = send(django_assert_num_queries, django_capture_on_commit_callbacks, 2)
    assert mailoutbox == []  # nothing goes out before the commit
    # After the commit: the send, and one UPDATE that marks it sent and drops the body.
    with django_assert_num_queries(1):
        for callback in after_commit:
            callback()
    assert [m.to for m in mailoutbox] == [["nobody@example.com"]]
    assert OutboxMail.objects.get().status == OutboxMail.Status.SENT
    assert sweeps() == 1

    # The rest of the minute: the outbox INSERT alone (the committed sweep covers them).
    for _ in range(3):
        for callback in send(django_assert_num_queries, django_capture_on_commit_callbacks, 1):
            callback()
    assert sweeps() == 1

    # A mail after the window: another sweep.
    with time_machine.travel(timezone.now() + timedelta(seconds=SWEEP_WINDOW + 1)):
        send(django_assert_num_queries, django_capture_on_commit_callbacks, 2)
    assert sweeps() == 2


def test_mail_later_in_the_same_transaction_shares_its_sweep(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        send(django_assert_num_queries, django_capture_on_commit_callbacks, 2)
        send(django_assert_num_queries, django_capture_on_commit_callbacks, 1)
    assert sweeps() == 1


def test_a_sweep_rolled_back_with_its_flow_covers_nothing(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), transaction.atomic():
        send(django_assert_num_queries, django_capture_on_commit_callbacks, 2)
        raise RuntimeError("the flow failed")
    assert sweeps() == 0
    send(django_assert_num_queries, django_capture_on_commit_callbacks, 2)
    assert sweeps() == 1
