"""``manage.py prune_usersessions``: drop session records whose session has ended.

Run it next to ``clearsessions`` (e.g. daily). Logins and the sessions page prune a user's own
records too; this catches users who never come back.
"""

from django.core.management.base import BaseCommand

from accounts.usersessions.flows import prune_session_records


class Command(BaseCommand):
    help = "Delete UserSession records whose session expired, timed out or was logged out."

    def handle(self, *args, **options):
        count = prune_session_records()
        self.stdout.write(f"Pruned {count} session record(s).")
