"""What one mail costs the flow that sends it, pinned."""

import pytest

from accounts.adapter import get_adapter
from accounts.outbox.models import OutboxMail

pytestmark = pytest.mark.django_db

CONTEXT = {"email": "nobody@example.com", "signup_url": "/s/", "password_reset_url": "/r/"}


def test_a_mail_costs_two_inserts_in_the_flow_and_one_update_after_the_commit(
    mailoutbox, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # In the flow: the outbox INSERT and its fallback task's INSERT.
    with django_assert_num_queries(2), django_capture_on_commit_callbacks() as after_commit:
        get_adapter().send_mail("account/email/unknown_account", "nobody@example.com", CONTEXT)
    assert mailoutbox == []  # nothing goes out before the commit
    # After the commit: the send, and one UPDATE that marks it sent and drops the body.
    with django_assert_num_queries(1):
        for callback in after_commit:
            callback()
    assert [m.to for m in mailoutbox] == [["nobody@example.com"]]
    assert OutboxMail.objects.get().status == OutboxMail.Status.SENT
