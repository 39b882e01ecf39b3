"""Queue a mail with the flow, send it after the commit, retry it from the worker.

``queue_mail`` is called by the account adapter for every mail. It writes the mail in the
current transaction; then, once the transaction commits, this process hands the mail to
Django's mail backend. Should the process die between the commit and the send, a *sweep*
(``sweep_mail``, a task deferred past the claims it covers) sends every mail whose sender's
claim ran out. One sweep covers all the mail a process queues in a window of
``SWEEP_WINDOW`` seconds: the first mail of a window enqueues it in the same transaction, the
following ones cost no query (see :func:`_ensure_sweep`; it was one task per mail). A mail
server that fails never fails the flow: the mail goes back to the queue and ``deliver_mail`` (a task run by ``manage.py
db_worker``) tries again after ``OUTBOX_RETRY_DELAY`` seconds, then twice as long each time up
to ``OUTBOX_RETRY_MAX_DELAY``, until ``OUTBOX_MAX_ATTEMPTS`` tries have failed. Then it is
``failed``: staff see it with its error in the admin and may retry it (``retry_mail``).

Exactly one sender at a time: a sender first *claims* the row (a conditional UPDATE that sets
``claimed_until``) and records the outcome only while its claim holds. Exactly one retry
chain per mail: retry tasks carry the mail's ``generation``, and rescheduling bumps it (a
sweep sends only mail whose claim ran out, claiming it the same way).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task, task_backends

from accounts.outbox import app_settings
from accounts.outbox.models import OutboxMail

logger = logging.getLogger("accounts.mail")

Status = OutboxMail.Status

ERROR_MAX_LENGTH = 2000


# --- Recording a mail with its flow ----------------------------------------------------------


def queue_mail(message: EmailMessage, *, template: str = "") -> OutboxMail:
    """Record ``message`` in the current transaction; send it once that commits.

    Outside a transaction the mail is sent at once (still recorded first). Never raises for a
    failing mail server; raises ``ValueError`` for a message the outbox cannot carry
    (attachments).
    """
    if message.attachments:
        raise ValueError("The outbox does not carry attachments.")
    now = timezone.now()
    claimed_until = now + timedelta(seconds=app_settings.CLAIM_TIMEOUT)
    mail = OutboxMail.objects.create(
        created_at=now,
        template=template,
        from_email=message.from_email,
        to=list(message.to),
        subject=message.subject,
        content=_content_of(message),
        status=Status.SENDING,
        claimed_until=claimed_until,
    )
    # Sends the mail should this process die before it does (the claim has run out by then).
    _ensure_sweep(now, claimed_until)

    def send_after_commit():
        _send(mail, message, claimed_until)

    transaction.on_commit(send_after_commit, robust=True)
    return mail


def _content_of(message: EmailMessage) -> dict:
    """What a mail holds beyond its subject and addresses (and drops once sent)."""
    return {
        "body": message.body,
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "headers": dict(message.extra_headers),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
    }


def _message_of(mail: OutboxMail) -> EmailMultiAlternatives:
    content = mail.content or {}
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=content.get("body", ""),
        from_email=mail.from_email,
        to=mail.to,
        cc=content.get("cc") or None,
        bcc=content.get("bcc") or None,
        reply_to=content.get("reply_to") or None,
        headers=content.get("headers") or None,
    )
    for html, mimetype in content.get("alternatives", []):
        message.attach_alternative(html, mimetype)
    return message


# --- Sending ---------------------------------------------------------------------------------


def _send(mail: OutboxMail, message: EmailMessage, claimed_until: datetime) -> bool:
    """Hand ``message`` to the mail backend under the claim; record what came of it."""
    try:
        message.send()
    except Exception as error:
        _record_failure(mail, claimed_until, error)
        return False
    now = timezone.now()
    OutboxMail.objects.filter(
        pk=mail.pk, status=Status.SENDING, claimed_until=claimed_until
    ).update(
        status=Status.SENT,
        sent_at=now,
        last_attempt_at=now,
        attempts=F("attempts") + 1,
        content=None,
        claimed_until=None,
        next_attempt_at=None,
    )
    return True


def _record_failure(mail: OutboxMail, claimed_until: datetime, error: Exception) -> None:
    """Back to the queue with the error and a later try, or given up after the last one."""
    attempts = mail.attempts + 1
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
    logger.error("Could not send the %s mail.", mail.name, exc_info=error)
    changes = {
        "attempts": attempts,
        "last_error": message,
        "last_attempt_at": now,
        "claimed_until": None,
    }
    if attempts >= app_settings.MAX_ATTEMPTS or not _backend().supports_defer:
        changes.update(status=Status.FAILED, next_attempt_at=None)
        logger.error(
            "Gave up on the %s mail (outbox #%s) after %d attempts: %s",
            mail.name,
            mail.pk,
            attempts,
            message,
        )
    else:
        changes.update(
            status=Status.QUEUED,
            next_attempt_at=now + timedelta(seconds=retry_delay(attempts)),
            # Counted in the row: a task that found the mail held may have bumped it already.
            generation=F("generation") + 1,
        )
    with transaction.atomic():
        row = OutboxMail.objects.filter(pk=mail.pk)
        updated = row.filter(status=Status.SENDING, claimed_until=claimed_until).update(**changes)
        if updated and changes["status"] == Status.QUEUED:
            generation = row.values_list("generation", flat=True).get()
            _schedule(mail.pk, generation, run_after=changes["next_attempt_at"])
            logger.info(
                "The %s mail (outbox #%s) will be tried again at %s.",
                mail.name,
                mail.pk,
                changes["next_attempt_at"].isoformat(timespec="seconds"),
            )


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed try: doubling, capped."""
    delay = app_settings.RETRY_DELAY * 2 ** min(attempts - 1, 30)
    return min(delay, app_settings.RETRY_MAX_DELAY)


# --- The worker's side -----------------------------------------------------------------------


@task()
def deliver_mail(mail_id: int, generation: int) -> str:
    """Send the queued mail ``mail_id`` if this task is still the one responsible for it."""
    return deliver(mail_id, generation=generation)


def deliver(mail_id: int, *, generation: int) -> str:
    """Claim the mail, send it, record the outcome; what happened, as one word."""
    now = timezone.now()
    claimed_until = now + timedelta(seconds=app_settings.CLAIM_TIMEOUT)
    claimable = Q(status=Status.QUEUED) | Q(status=Status.SENDING, claimed_until__lt=now)
    claimed = OutboxMail.objects.filter(claimable, pk=mail_id, generation=generation).update(
        status=Status.SENDING, claimed_until=claimed_until
    )
    if not claimed:
        return _not_claimed(mail_id, generation)
    mail = OutboxMail.objects.get(pk=mail_id)
    return "sent" if _send(mail, _message_of(mail), claimed_until) else "failed"


def _not_claimed(mail_id: int, generation: int) -> str:
    """A task that could not claim its mail: sent, superseded, or still held by a sender."""
    mail = OutboxMail.objects.filter(pk=mail_id).first()
    if mail is None or mail.generation != generation or mail.status != Status.SENDING:
        return "skipped"
    # Still within another sender's claim (a slow mail server): look again when it ends.
    with transaction.atomic():
        if OutboxMail.objects.filter(pk=mail_id, generation=generation).update(
            generation=generation + 1
        ):
            _schedule(mail_id, generation + 1, run_after=mail.claimed_until + timedelta(seconds=1))
    return "held"


# --- The sweep: the fallback of the sends after the commit ---------------------------------
#
# A process that dies between the commit and its send leaves a mail ``sending`` under a claim
# nobody will release. The sweep sends such mail once the claim has run out. Each process
# keeps one sweep ahead of its mail: the first mail of a window of SWEEP_WINDOW seconds
# enqueues ``sweep_mail`` deferred to just after the last claim a mail of that window can
# hold (window end + CLAIM_TIMEOUT), in that mail's transaction; once that transaction has
# committed, the process knows the sweep exists and the window's later mail queue no task
# (no query). A window is only trusted after its commit (a rolled-back flow took its sweep
# with it: the next mail enqueues another) and only while this process's clock is inside it.
# Several processes, or a sweep meeting a mail a retry chain also owns, are harmless: every
# sender must first claim the row (``deliver``).

SWEEP_WINDOW = 60  # seconds of a process's mail one sweep covers

_sweep_lock = threading.Lock()
# (start, end, until): mail queued from start to end, claimed until ``until`` at the latest,
# has a committed sweep; None: no window yet.
_swept_window: tuple[datetime, datetime, datetime] | None = None


class _Covered:
    """The on-commit callback of a sweep's INSERT: from then on the process trusts its window.

    While it waits in the connection's on-commit list, the sweep's INSERT is still part of the
    open transaction (Django drops the callbacks of a savepoint that rolls back together with
    its writes), so later mail of the same transaction trusts the window already.
    """

    def __init__(self, window: tuple[datetime, datetime, datetime]):
        self.window = window

    def __call__(self) -> None:
        global _swept_window
        with _sweep_lock:
            _swept_window = self.window


def _covers(window, now: datetime, claimed_until: datetime) -> bool:
    return window is not None and window[0] <= now < window[1] and claimed_until <= window[2]


def _ensure_sweep(now: datetime, claimed_until: datetime) -> None:
    """Make sure a committed sweep will run after ``claimed_until`` (one INSERT per window)."""
    with _sweep_lock:
        window = _swept_window
    if _covers(window, now, claimed_until):
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        _covers(getattr(callback, "window", None), now, claimed_until)
        for _savepoints, callback, _robust in connection.run_on_commit
    ):
        return  # this transaction's own sweep
    if not _backend().supports_defer:
        return
    end = now + timedelta(seconds=SWEEP_WINDOW)
    until = claimed_until + timedelta(seconds=SWEEP_WINDOW)  # the window's last claim
    sweep_mail.using(
        backend=app_settings.TASK_BACKEND, run_after=until + timedelta(seconds=1)
    ).enqueue(until.isoformat())
    transaction.on_commit(_Covered((now, end, until)))


def forget_sweep() -> None:
    """This process trusts no earlier sweep (the tests' rolled-back databases lose them)."""
    global _swept_window
    with _sweep_lock:
        _swept_window = None


@task()
def sweep_mail(until: str) -> dict:
    """Send every mail whose sender's claim has run out; if one claimed until ``until`` or
    earlier still looks held (this worker's clock behind the web process's), look again
    once it ends."""
    return sweep(until=datetime.fromisoformat(until))


def sweep(*, until: datetime) -> dict:
    now = timezone.now()
    expired = OutboxMail.objects.filter(status=Status.SENDING, claimed_until__lt=now)
    outcomes = [
        deliver(pk, generation=generation)
        for pk, generation in expired.values_list("pk", "generation").order_by("pk")
    ]
    held = OutboxMail.objects.filter(
        status=Status.SENDING, claimed_until__gte=now, claimed_until__lte=until
    ).order_by("-claimed_until")
    last = held.values_list("claimed_until", flat=True).first()
    if last is not None:
        sweep_mail.using(
            backend=app_settings.TASK_BACKEND, run_after=last + timedelta(seconds=1)
        ).enqueue(until.isoformat())
    return {"sent": outcomes.count("sent"), "failed": outcomes.count("failed")}


def retry_mail(mail: OutboxMail) -> bool:
    """Staff asked for another try of a queued or failed mail (or one whose sender's claim
    ran out): the worker sends it now, with a fresh set of attempts. False for a mail that is
    sent or being sent."""
    retriable = Q(status__in=[Status.QUEUED, Status.FAILED]) | Q(
        status=Status.SENDING, claimed_until__lt=timezone.now()
    )
    with transaction.atomic():
        generation = mail.generation + 1
        updated = OutboxMail.objects.filter(
            retriable, pk=mail.pk, generation=mail.generation
        ).update(
            status=Status.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_until=None,
            generation=generation,
        )
        if updated:
            _schedule(mail.pk, generation, run_after=None)
    return bool(updated)


def _backend():
    return task_backends[app_settings.TASK_BACKEND]


def _schedule(mail_id: int, generation: int, *, run_after: datetime | None) -> None:
    """Queue ``deliver_mail`` for the mail, deferred when the backend can defer."""
    backend = _backend()
    if run_after is not None and not backend.supports_defer:
        return
    queued = deliver_mail.using(backend=app_settings.TASK_BACKEND)
    if run_after is not None:
        queued = queued.using(run_after=run_after)
    queued.enqueue(mail_id, generation)
