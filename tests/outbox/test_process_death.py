"""A process that dies between the commit and the send loses no mail.

A real second process records a mail in a transaction and is killed (``os._exit``) by the
first on-commit callback, before the one that sends. The outbox's sweep, committed with the
mail (the first of that process's minute), lets the worker send it once the dead process's
claim has run out. The child process
needs a database both processes see: PostgreSQL.
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from accounts.outbox.models import OutboxMail
from tests.helpers.outbox import run_worker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHILD = """
import os

import django

django.setup()

from django.db import transaction

from accounts.adapter import get_adapter

with transaction.atomic():
    transaction.on_commit(lambda: os._exit(0))  # dies right after the commit
    get_adapter().send_mail(
        "account/email/unknown_account",
        "nobody@example.com",
        {"email": "nobody@example.com", "signup_url": "/s/", "password_reset_url": "/r/"},
    )
raise SystemExit("not reached")
"""


def test_mail_of_a_process_that_died_after_the_commit_is_sent_by_the_worker(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("the child process needs a database it can share (PostgreSQL)")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr

    mail = OutboxMail.objects.get()
    assert mail.status == OutboxMail.Status.SENDING and mail.attempts == 0
    run_worker()  # the dead process's claim still holds: nobody sends it yet
    assert mailoutbox == []

    (sweep,) = DBTaskResult.objects.filter(task_path__endswith="sweep_mail")
    assert sweep.run_after > mail.claimed_until
    with time_machine.travel(sweep.run_after + timedelta(seconds=1), tick=False):
        run_worker()
    (sent,) = mailoutbox
    assert sent.to == ["nobody@example.com"]
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.content) == (OutboxMail.Status.SENT, 1, None)
