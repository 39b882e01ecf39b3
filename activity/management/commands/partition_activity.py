"""``manage.py partition_activity``: create the coming months' log partitions (PostgreSQL)."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from activity import partitioning


class Command(BaseCommand):
    help = (
        "Create the monthly partitions of the log tables up to "
        f"{partitioning.MONTHS_AHEAD} months ahead (run it daily or monthly from cron); "
        "rows that fell into the default partition move to their month. PostgreSQL only."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: the log tables are not partitioned.")
            return
        created = []
        with transaction.atomic(), connection.cursor() as cursor:
            for table in partitioning.LOG_TABLES:
                if partitioning.is_partitioned(cursor, table):
                    created += partitioning.ensure_partitions(cursor, table)
        self.stdout.write(self.style.SUCCESS(f"Created {len(created)} partitions."))
