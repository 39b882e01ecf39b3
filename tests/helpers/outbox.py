"""Outbox helpers: a real SMTP server to stop and start, the real task worker, row scans."""

import signal
import socket
from email import message_from_bytes, policy
from io import StringIO

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accounts.outbox.models import OutboxMail


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Collect:
    def __init__(self, received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server (aiosmtpd, in a thread) on one local port. Stopped, nothing listens
    there: Django's SMTP backend gets "connection refused", as from a mail server that is down.
    """

    def __init__(self):
        self.port = free_port()
        self.received = []
        self._controller = None

    def start(self):
        self._controller = Controller(_Collect(self.received), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self):
        """The Django settings that send mail here over plain SMTP."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }

    def recipients(self):
        return sorted(message["To"] for message in self.received)


def text_of(message):
    """The plain-text body of a received message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def run_worker():
    """Run ``manage.py db_worker`` until no task is due, as production runs it (in-process,
    so it sees the test database); the signal handlers it installs are put back after."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker",
            batch=True,
            reload=False,
            startup_delay=False,
            interval=0,
            verbosity=0,
            stdout=StringIO(),
        )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def stored_text():
    """Every field of every outbox row and task row, as one string (to look for secrets)."""
    return repr([*OutboxMail.objects.values(), *DBTaskResult.objects.values()])
