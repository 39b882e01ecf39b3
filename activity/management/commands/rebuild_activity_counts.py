"""``manage.py rebuild_activity_counts [--days N]``: recompute the dashboard's counters."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from activity.services import counts_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the hourly counters (EventCount, FailedLoginSource) from the logs: once "
        "after upgrading (history from before the counters), or after a bulk import. Scans "
        "the logs, so run it off-peak; requests never do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="only the last DAYS days")

    def handle(self, *args, days, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        since = timezone.now() - timedelta(days=days) if days else None
        written = counts_rebuild(since=since)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {written} counter rows."))
