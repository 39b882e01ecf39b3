"""``manage.py prune_activity --older-than DAYS``: delete old log rows, in batches."""

from django.core.management.base import BaseCommand, CommandError

from activity.services import activity_prune


class Command(BaseCommand):
    help = (
        "Delete LoginLog, SecurityLog and MFALog rows older than DAYS days, in batches, "
        "and record the prune itself as a SecurityLog row."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, older_than, batch_size, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        deleted = activity_prune(older_than_days=older_than, batch_size=batch_size)
        summary = ", ".join(f"{name}: {count}" for name, count in deleted.items())
        self.stdout.write(
            self.style.SUCCESS(f"Pruned rows older than {older_than} days ({summary}).")
        )
