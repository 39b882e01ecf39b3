"""Streaming the audit trail to a SIEM: schema, outbox, sinks and delivery.

- **Schema**: every row becomes one JSON event in OCSF 1.3 (Authentication 3002 for logins,
  logouts and second-factor uses; Account Change 3001 for security events) or, per sink,
  Elastic Common Schema. ``metadata.uid`` / ``event.id`` is a UUID derived from the log and
  the row id: the same event always carries the same id, so a SIEM de-duplicates re-sent
  events on it.
- **Outbox**: ``activity.services`` calls :func:`enqueue_row` in the same transaction as the
  row; one :class:`~activity.models.SinkDelivery` per configured sink (none, and no query,
  when ``ACTIVITY_SINKS`` is empty: the default). After commit a django-tasks task
  (``deliver_pending``, DatabaseBackend, run by ``manage.py db_worker``) sends what is due.
- **At least once**: a failed send keeps the row with a backoff (30 s doubling, at most an
  hour, with jitter) and the task re-enqueues itself for the next due row; ``manage.py
  deliver_activity`` does the same from cron in case the worker was down. A row is marked
  delivered only after the sink took it. Delivered rows older than a week are pruned.
- **Sinks**: a JSON-lines file, syslog (RFC 5424 over UDP, TCP with octet counting, or a
  Unix socket; facility auth, MSGID the OCSF ``type_uid``), and an HTTP webhook signed as
  Standard Webhooks (``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64
  HMAC-SHA256(id.timestamp.body)>``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import socket
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from activity import app_settings
from activity.models import LoginLog, MFALog, SinkDelivery

OCSF_VERSION = "1.3.0"
PRODUCT = {"name": "account-site", "vendor_name": "account-site"}
EVENT_NAMESPACE = uuid.UUID("6f1c1d9e-4d7e-4b8f-9a51-2f0c6f7d3a10")
BATCH = 200
KEEP_DELIVERED = timedelta(days=7)

_FACTOR = {
    "password": {"factor_type_id": 11, "factor_type": "Password"},
    "totp": {"factor_type_id": 7, "factor_type": "OTP", "is_totp": True},
    "recovery_codes": {"factor_type_id": 99, "factor_type": "Recovery code"},
    "webauthn": {"factor_type_id": 10, "factor_type": "WebAuthn"},
    "passkey": {"factor_type_id": 10, "factor_type": "WebAuthn"},
}
_ACCOUNT_CHANGE = {  # SecurityLog event -> OCSF Account Change activity_id
    "signup": 1,
    "password_changed": 3,
    "password_set": 3,
    "password_reset": 4,
    "totp_added": 10,
    "webauthn_added": 10,
    "recovery_codes_added": 10,
    "recovery_codes_reset": 10,
    "totp_removed": 11,
    "webauthn_removed": 11,
    "recovery_codes_removed": 11,
}
_WARNING_EVENTS = {"rate_limited", "suspicious_activity"}


def event_id(row) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, f"{row._meta.db_table}:{row.pk}")


def _time_ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def to_ocsf(row) -> dict:
    """The OCSF event of one log row (Authentication 3002 or Account Change 3001)."""
    failed = row.event == "failed"
    base = {
        "category_uid": 3,
        "severity_id": 3 if row.event in _WARNING_EVENTS else (2 if failed else 1),
        "time": _time_ms(row.created_at),
        "status_id": 2 if failed else 1,
        "user": {"uid": str(row.user_id) if row.user_id else None, "name": row.username},
        "src_endpoint": {"ip": row.ip_address},
        "http_request": {"user_agent": row.user_agent, "url": {"path": row.path}},
        "service": {"name": "accounts"},
        "message": row.event,
        "metadata": {
            "uid": str(event_id(row)),
            "version": OCSF_VERSION,
            "product": PRODUCT,
            "log_name": type(row).__name__,
        },
    }
    if row.email:
        base["user"]["email_addr"] = row.email
    if isinstance(row, LoginLog | MFALog):
        activity = 2 if row.event == "logout" else 1
        method = "passkey" if getattr(row, "passwordless", False) else row.method
        factors = [_FACTOR[part] for part in ("password", method) if part in _FACTOR]
        base |= {
            "class_uid": 3002,
            "activity_id": activity,
            "type_uid": 3002 * 100 + activity,
            "is_mfa": isinstance(row, MFALog)
            or row.method in ("totp", "recovery_codes", "webauthn"),
            "auth_protocol_id": 99,
            "auth_factors": factors if method else [],
        }
        if failed:
            base["status_detail"] = (
                "USER_DOES_NOT_EXIST"
                if getattr(row, "reason", "") == "unknown_account"
                else "INVALID_CREDENTIALS"
            )
        return base
    activity = _ACCOUNT_CHANGE.get(row.event, 99)
    base |= {
        "class_uid": 3001,
        "activity_id": activity,
        "type_uid": 3001 * 100 + activity,
        "actor": {"user": {"uid": str(row.actor_id)}} if row.actor_id else None,
        "unmapped": {"event": row.event, "extra": row.extra},
    }
    return base


def to_ecs(row) -> dict:
    """The Elastic Common Schema event of one log row."""
    authentication = isinstance(row, LoginLog | MFALog)
    types = {"login": ["start"], "logout": ["end"], "signup": ["creation"]}.get(row.event)
    return {
        "@timestamp": row.created_at.astimezone(UTC).isoformat(),
        "event": {
            "id": str(event_id(row)),
            "kind": "alert" if row.event == "suspicious_activity" else "event",
            "category": ["authentication"] if authentication else ["iam"],
            "type": types or (["info"] if authentication else ["change"]),
            "action": row.event,
            "outcome": "failure" if row.event == "failed" else "success",
            "dataset": f"accounts.{type(row).__name__.lower()}",
        },
        "user": {
            "id": str(row.user_id) if row.user_id else None,
            "name": row.username,
            "email": row.email,
        },
        "source": {"ip": row.ip_address},
        "user_agent": {"original": row.user_agent},
        "url": {"path": row.path},
        "ecs": {"version": "8.11.0"},
    }


def enqueue_row(row) -> bool:
    """Queue ``row`` for every configured sink, in the caller's transaction (no-op, no query,
    when no sink is configured). True when queued: the caller wakes the worker on commit."""
    sinks = app_settings.SINKS
    if not sinks:
        return False
    SinkDelivery.objects.bulk_create(
        [
            SinkDelivery(
                event_id=event_id(row),
                sink=sink["name"],
                payload=to_ecs(row) if sink.get("schema") == "ecs" else to_ocsf(row),
            )
            for sink in sinks
        ]
    )
    return True


# --- sinks ------------------------------------------------------------------------------


class SinkError(Exception):
    """The sink did not take the event (down, refused, timed out)."""


def _dumps(payload) -> bytes:
    return json.dumps(
        payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True
    ).encode()


def send_file(sink, deliveries):
    lines = b"".join(_dumps(d.payload) + b"\n" for d in deliveries)
    try:
        with open(sink["path"], "ab") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise SinkError(str(error)) from error


def syslog_message(payload) -> bytes:
    """RFC 5424: ``<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG`` (facility 4, auth)."""
    severity = 4 if payload.get("severity_id", 1) >= 2 else 6  # warning / informational
    moment = payload.get("time")
    stamp = (
        timezone.datetime.fromtimestamp(moment / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
        if isinstance(moment, int)
        else payload.get("@timestamp", "-")
    )
    msgid = str(payload.get("type_uid") or payload.get("event", {}).get("action") or "-")[:32]
    host = (socket.gethostname() or "-")[:255]
    header = f"<{4 * 8 + severity}>1 {stamp} {host} account-site {os.getpid()} {msgid} -"
    return header.encode() + b" " + _dumps(payload)


def send_syslog(sink, deliveries):
    address, protocol = sink["address"], sink.get("protocol", "udp")
    try:
        if "/" in address:
            family, target = socket.AF_UNIX, address
        else:
            host, _, port = address.rpartition(":")
            family, target = socket.AF_INET, (host or "127.0.0.1", int(port))
        kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
        with socket.socket(family, kind) as sock:
            sock.settimeout(5)
            sock.connect(target)
            for delivery in deliveries:
                message = syslog_message(delivery.payload)
                if kind == socket.SOCK_STREAM:  # RFC 6587 octet counting
                    sock.sendall(f"{len(message)} ".encode() + message)
                else:
                    sock.send(message)
    except OSError as error:
        raise SinkError(str(error)) from error


def webhook_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def send_webhook(sink, deliveries):
    for delivery in deliveries:  # one event per request: each has its own id and signature
        body = _dumps(delivery.payload)
        msg_id, timestamp = str(delivery.event_id), int(time.time())
        request = urllib.request.Request(  # noqa: S310  (the URL is the operator's setting)
            sink["url"],
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": webhook_signature(sink["secret"], msg_id, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SinkError(f"HTTP {response.status}")
        except (urllib.error.URLError, OSError) as error:
            raise SinkError(str(error)) from error
        yield delivery


SENDERS = {"file": send_file, "syslog": send_syslog, "webhook": send_webhook}


def _backoff(attempts: int) -> timedelta:
    seconds = min(30 * 2 ** (attempts - 1), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def deliver_pending(*, now=None) -> dict:
    """Send every due delivery, sink by sink, oldest first; return ``{"sent": n, "failed": m,
    "next_at": datetime | None}``. Rows are locked ``SKIP LOCKED`` on PostgreSQL, so several
    workers share the work without sending one event twice at the same time."""
    now = now or timezone.now()
    sent = failed = 0
    sinks = {sink["name"]: sink for sink in app_settings.SINKS}
    for name, sink in sinks.items():
        while True:
            with transaction.atomic():
                due = SinkDelivery.objects.filter(
                    sink=name, delivered_at__isnull=True, next_attempt_at__lte=now
                ).order_by("next_attempt_at", "pk")
                if connection.features.has_select_for_update_skip_locked:
                    due = due.select_for_update(skip_locked=True)
                batch = list(due[:BATCH])
                if not batch:
                    break
                done, error = _send(sink, batch)
                moment = timezone.now()
                SinkDelivery.objects.filter(pk__in=[d.pk for d in done]).update(
                    delivered_at=moment, attempts=F("attempts") + 1
                )
                for delivery in batch[len(done) :]:
                    delivery.attempts += 1
                    delivery.next_attempt_at = moment + _backoff(delivery.attempts)
                    delivery.last_error = str(error)[:300]
                    delivery.save(update_fields=["attempts", "next_attempt_at", "last_error"])
                sent += len(done)
                failed += len(batch) - len(done)
                if error is not None:
                    break  # the sink is down: the rest waits for its backoff
    SinkDelivery.objects.filter(
        delivered_at__isnull=False, delivered_at__lt=now - KEEP_DELIVERED
    ).delete()
    upcoming = (
        SinkDelivery.objects.filter(delivered_at__isnull=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return {"sent": sent, "failed": failed, "next_at": upcoming}


def _send(sink, batch):
    """``(delivered deliveries, error or None)``: a prefix of ``batch`` was taken."""
    sender = SENDERS[sink["type"]]
    done = []
    try:
        result = sender(sink, batch)
        if result is None:  # file and syslog take the batch whole
            done = list(batch)
        else:
            for delivery in result:
                done.append(delivery)
    except SinkError as error:
        return done, error
    return done, None
