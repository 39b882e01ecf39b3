"""``manage.py prune_outbox``: forget mail sent long ago.

A sent mail keeps only its subject, recipients and times (its body is dropped when it is
sent); this deletes those rows after ``--older-than`` days. Mail that is queued or failed is
never deleted here: staff decide about it in the admin.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.outbox.models import OutboxMail


class Command(BaseCommand):
    help = "Delete outbox rows of mail sent more than --older-than days ago."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=30, metavar="DAYS")

    def handle(self, *args, older_than, **options):
        cutoff = timezone.now() - timedelta(days=max(older_than, 0))
        count, _ = OutboxMail.objects.filter(
            status=OutboxMail.Status.SENT, sent_at__lt=cutoff
        ).delete()
        self.stdout.write(f"Deleted {count} sent mail(s).")
