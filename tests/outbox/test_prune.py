"""``manage.py prune_outbox`` forgets old sent mail, never mail still to send."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.outbox.models import OutboxMail

pytestmark = pytest.mark.django_db


def mail(status, *, sent_days_ago=None):
    sent_at = None if sent_days_ago is None else timezone.now() - timedelta(days=sent_days_ago)
    return OutboxMail.objects.create(
        from_email="site@example.com", to=["a@example.com"], status=status, sent_at=sent_at
    )


def test_prunes_only_sent_mail_older_than_the_cutoff():
    old = mail(OutboxMail.Status.SENT, sent_days_ago=31)
    recent = mail(OutboxMail.Status.SENT, sent_days_ago=29)
    failed = mail(OutboxMail.Status.FAILED)
    queued = mail(OutboxMail.Status.QUEUED)
    out = StringIO()

    call_command("prune_outbox", "--older-than", "30", stdout=out)

    assert out.getvalue().strip() == "Deleted 1 sent mail(s)."
    left = set(OutboxMail.objects.values_list("pk", flat=True))
    assert left == {recent.pk, failed.pk, queued.pk}
    assert old.pk not in left
