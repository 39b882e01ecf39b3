"""``manage.py deliver_activity``: send the audit events due to the SIEM sinks now."""

from django.core.management.base import BaseCommand

from activity import streaming


class Command(BaseCommand):
    help = (
        "Send the queued audit events that are due to every ACTIVITY_SINKS sink (the "
        "db_worker does it after each commit; run this from cron as a safety net)."
    )

    def handle(self, *args, **options):
        result = streaming.deliver_pending()
        self.stdout.write(f"Sent {result['sent']}, failed {result['failed']}.")
