"""Delete the accounts whose deletion grace period is over (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from accounts.flows.delete_account import purge_deleted_accounts


class Command(BaseCommand):
    help = "Delete accounts whose ACCOUNT_DELETION_GRACE_DAYS have passed since they asked."

    def handle(self, *args, **options):
        count = purge_deleted_accounts()
        self.stdout.write(f"Deleted {count} account(s).")
