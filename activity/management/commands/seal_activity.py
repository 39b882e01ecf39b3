"""``manage.py seal_activity``: write the next signed digest of the audit logs (run it every
``ACTIVITY_DIGEST_INTERVAL`` seconds, from cron or a systemd timer)."""

from django.core.management.base import BaseCommand, CommandError

from activity import integrity


class Command(BaseCommand):
    help = "Seal the audit rows written since the last digest into a new signed, chained digest."

    def handle(self, *args, **options):
        try:
            digest = integrity.seal()
        except integrity.DigestKeyMissing as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(
            f"{name}: {entry['count']}" for name, entry in digest.body["logs"].items()
        )
        self.stdout.write(self.style.SUCCESS(f"Sealed digest #{digest.seq} ({counts})."))
