"""Tamper evidence for the audit logs, in the way AWS CloudTrail validates its log files.

Every ``ACTIVITY_DIGEST_INTERVAL`` seconds ``manage.py seal_activity`` (cron, a systemd
timer) writes one :class:`~activity.models.ActivityDigest`: for each log, the rows whose id
follows the previous digest's last id, up to the newest row older than
``ACTIVITY_DIGEST_SETTLE`` seconds, hashed in id order, plus the previous digest's
signature; the canonical body is signed with HMAC-SHA256 under ``ACTIVITY_DIGEST_KEY``, a key
kept apart from ``SECRET_KEY`` and from the database. ``manage.py verify_activity`` replays
the chain and reports every row changed, deleted or inserted among sealed ids, any row that
claims a time before the last digest but was never sealed, and any gap, break or bad
signature in the chain (or a chain that stopped being extended).

Why not a hash chain per row: each insert would have to read and lock the previous row's hash,
so every login in the site would queue on one lock. Sealing is a reader: it never locks a log
row, and concurrent sealers only contend on the last digest row.

Limits, on purpose:
- ``id`` order is not commit order (a sequence value is taken before commit): a transaction
  still open when its neighbours are sealed would commit a row inside a sealed range and be
  reported as inserted. The settle delay (a minute by default, far longer than any request)
  makes that a real anomaly rather than a race.
- ``user``/``actor`` are not hashed: deleting an account sets them to NULL (the snapshot of
  username and email, which is hashed, keeps who it was).
- Rows deleted by ``prune_activity`` are not reported as deleted when the digest's window
  starts before the latest prune's cutoff (the prune itself is a logged, sealed event).
- The digests live in the same database: an attacker who deletes the newest digests is
  reported by the staleness check; copying each digest to a SIEM gives a second copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from activity import app_settings
from activity.models import ActivityDigest, ActivityVerification, LoginLog, MFALog, SecurityLog

LOG_MODELS = (LoginLog, SecurityLog, MFALog)
UNHASHED = {"user", "actor"}  # SET_NULL when an account is deleted
SHORT = 16  # hex characters of each row's short hash kept in the digest (64 bits)
MAX_REPORTED = 200


class DigestKeyMissing(Exception):
    """``ACTIVITY_DIGEST_KEY`` is not set: nothing can be sealed or verified."""


def _key() -> bytes:
    key = app_settings.DIGEST_KEY
    if not key:
        raise DigestKeyMissing("Set ACTIVITY_DIGEST_KEY (apart from SECRET_KEY) to seal the logs.")
    return key.encode()


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


def sign(body: dict, key: bytes | None = None) -> str:
    return hmac.new(key or _key(), _canonical(body), hashlib.sha256).hexdigest()


def _hashed_fields(model):
    return [f.attname for f in model._meta.concrete_fields if f.name not in UNHASHED]


def _normal(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def row_hashes(model, queryset):
    """``{id: sha256 hex}`` of the rows of ``queryset``, in id order, read as stored."""
    names = _hashed_fields(model)
    hashes = {}
    for values in queryset.order_by("pk").values_list(*names).iterator(chunk_size=2000):
        row = {name: _normal(value) for name, value in zip(names, values, strict=True)}
        hashes[row["id"]] = hashlib.sha256(_canonical(row)).hexdigest()
    return hashes


def _compact(ids):
    """``[1, 2, 3, 7]`` → ``[[1, 3], [7, 7]]``."""
    ranges = []
    for pk in ids:
        if ranges and pk == ranges[-1][1] + 1:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def _expand(ranges):
    return [pk for first, last in ranges for pk in range(first, last + 1)]


def seal(*, now=None) -> ActivityDigest:
    """Write the next digest (possibly of no rows: an empty digest still extends the chain)."""
    key = _key()
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=app_settings.DIGEST_SETTLE)
    with transaction.atomic():
        previous = ActivityDigest.objects.select_for_update().order_by("-seq").first()
        logs = {}
        for model in LOG_MODELS:
            name = model.__name__
            after = previous.body["logs"][name]["last_id"] if previous else 0
            rows = model._base_manager.filter(pk__gt=after)
            last = rows.filter(created_at__lt=cutoff).aggregate(top=Max("pk"))["top"] or after
            hashes = row_hashes(model, rows.filter(pk__lte=last))
            times = rows.filter(pk__lte=last).order_by("pk").values_list("created_at", flat=True)
            first_at = times.first() if hashes else None
            logs[name] = {
                "after": after,
                "last_id": last,
                "count": len(hashes),
                "ids": _compact(list(hashes)),
                "short": "".join(value[:SHORT] for value in hashes.values()),
                "root": hashlib.sha256("".join(hashes.values()).encode()).hexdigest(),
                "first_at": _normal(first_at) if first_at else None,
            }
        body = {
            "seq": (previous.seq + 1) if previous else 1,
            "sealed_at": _normal(now),
            "cutoff": _normal(cutoff),
            "previous": previous.signature if previous else "",
            "logs": logs,
        }
        return ActivityDigest.objects.create(
            seq=body["seq"], sealed_at=now, body=body, signature=sign(body, key)
        )


@dataclass
class Report:
    problems: list = field(default_factory=list)
    digests: int = 0
    rows: int = 0

    @property
    def ok(self):
        return not self.problems

    def add(self, kind, **details):
        if len(self.problems) < MAX_REPORTED:
            self.problems.append({"kind": kind, **details})


def _prune_cutoff():
    """The latest ``prune_activity`` cutoff (rows before it may be gone legitimately)."""
    row = (
        SecurityLog._base_manager.filter(event=SecurityLog.Event.ACTIVITY_PRUNED)
        .order_by("-pk")
        .values_list("extra", flat=True)
        .first()
    )
    cutoff = parse_datetime(str((row or {}).get("cutoff") or ""))
    return cutoff


def _check_rows(report, digest, name, entry, model, prune_cutoff):
    listed = _expand(entry["ids"])
    short = entry["short"]
    stored = {pk: short[i * SHORT : (i + 1) * SHORT] for i, pk in enumerate(listed)}
    actual = row_hashes(
        model, model._base_manager.filter(pk__gt=entry["after"], pk__lte=entry["last_id"])
    )
    report.rows += len(actual)
    seq = digest.seq
    first_at = parse_datetime(entry["first_at"]) if entry.get("first_at") else None
    pruned = prune_cutoff is not None and first_at is not None and first_at < prune_cutoff
    before = len(report.problems)
    for pk in listed:
        if pk not in actual:
            if not pruned:
                report.add("deleted", log=name, id=pk, digest=seq)
        elif actual[pk][:SHORT] != stored[pk]:
            report.add("changed", log=name, id=pk, digest=seq)
    for pk in actual.keys() - stored.keys():
        report.add("inserted", log=name, id=pk, digest=seq)
    if not pruned and len(report.problems) == before:
        root = hashlib.sha256("".join(actual.values()).encode()).hexdigest()
        if root != entry["root"]:
            report.add("changed", log=name, digest=seq, detail="root hash differs")


def verify(*, now=None, record=True) -> Report:
    """Replay the chain of digests against the logs; record the outcome (for the dashboard)."""
    key = _key()
    now = now or timezone.now()
    report = Report()
    prune_cutoff = _prune_cutoff()
    previous = None
    for digest in ActivityDigest.objects.order_by("seq").iterator(chunk_size=100):
        report.digests += 1
        body = digest.body
        expected_seq = previous.seq + 1 if previous else 1
        if digest.seq != expected_seq:
            report.add("chain_gap", missing=list(range(expected_seq, digest.seq))[:50])
        if (
            not hmac.compare_digest(sign(body, key), digest.signature)
            or body.get("seq") != digest.seq
        ):
            report.add("bad_signature", digest=digest.seq)
        if body.get("previous", "") != (previous.signature if previous else ""):
            report.add("chain_broken", digest=digest.seq)
        for model in LOG_MODELS:
            name = model.__name__
            entry = body["logs"][name]
            if previous is not None and entry["after"] != previous.body["logs"][name]["last_id"]:
                report.add("chain_gap", log=name, digest=digest.seq)
            _check_rows(report, digest, name, entry, model, prune_cutoff)
        previous = digest
    if previous is not None:
        cutoff = parse_datetime(previous.body["cutoff"])
        for model in LOG_MODELS:
            last_id = previous.body["logs"][model.__name__]["last_id"]
            backdated = model._base_manager.filter(pk__gt=last_id, created_at__lt=cutoff)
            for pk in backdated.order_by("pk").values_list("pk", flat=True)[:MAX_REPORTED]:
                report.add("inserted_before_last_digest", log=model.__name__, id=pk)
        if now - previous.sealed_at > timedelta(seconds=3 * app_settings.DIGEST_INTERVAL):
            report.add("chain_stale", last_sealed_at=_normal(previous.sealed_at))
    if record:
        ActivityVerification.objects.create(
            checked_at=now,
            ok=report.ok,
            digests=report.digests,
            rows=report.rows,
            problems=report.problems,
        )
    return report


def last_verification():
    return ActivityVerification.objects.order_by("-checked_at", "-pk").first()
