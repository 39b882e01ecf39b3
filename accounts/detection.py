"""Detection of credential stuffing and password spraying from failed logins.

Two patterns, counted in fixed windows of ``ACCOUNT_ATTACK_WINDOW`` seconds (20 minutes):

- **many accounts failing from one source** (stuffing replays breached pairs, spraying tries
  one password on many accounts): ``ACCOUNT_ATTACK_ACCOUNTS_PER_SOURCE`` distinct identifiers
  from one IP, or from one network (IPv4 /24, IPv6 /48) as proxies rotate addresses in it;
- **one account failing from many networks**: ``ACCOUNT_ATTACK_NETWORKS_PER_ACCOUNT``
  distinct networks on one account (a botnet spreading its guesses).

Each is reported once per source (or account) and window: ``suspicious_activity`` is sent
(the audit trail records it and the staff dashboard lists it) and active staff get one mail
per kind of attack per ``ACCOUNT_ATTACK_MAIL_INTERVAL``. Nothing is blocked here: budgets and
lockouts stay in ``accounts.ratelimit``; this module only watches.

Why here: the detector is part of the login flow's failure path (``flows.login`` calls
:func:`record_failed_login`), it sends an accounts signal like the flows do, and it counts in
the same cache as the rate limits (atomic ``add``/``incr`` in Redis, no database query on
the failed-login path). The activity app only *receives* the signal: it never sends one, and
accounts never imports activity.

Counting distinct members without a set type: ``cache.add`` of a per-(subject, member,
window) key is true only for the first time a member is seen; only then is the subject's
counter incremented. Keys are hashed, so the cache holds no address or identifier in clear.
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import app_settings
from accounts.adapter import get_adapter
from accounts.httpkit import get_client_ip
from accounts.ratelimit import now
from accounts.signals import suspicious_activity

MANY_ACCOUNTS = "many_accounts_from_one_source"
MANY_NETWORKS = "one_account_from_many_networks"

# What the staff alert calls each reason (the code itself stays in the signal and audit rows).
REASON_LABELS = {
    MANY_ACCOUNTS: _("many accounts failing from one source"),
    MANY_NETWORKS: _("one account failing from many networks"),
}


def network_of(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of ``ip``: one operator's block."""
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _digest(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:24]


def _count_distinct(kind: str, subject: str, member: str, window: int, bucket: int) -> int | None:
    """Add ``member`` to the set of ``subject`` in this window; the new size, or None when
    ``member`` was already in it (the size did not change)."""
    timeout = window + 60
    if not cache.add(f"atk:m:{kind}:{_digest(subject, member)}:{bucket}", 1, timeout):
        return None
    counter = f"atk:n:{kind}:{_digest(subject)}:{bucket}"
    cache.add(counter, 0, timeout)
    return cache.incr(counter)


def record_failed_login(request: HttpRequest, *, login: str, account=None) -> list[str]:
    """Count one failed password login; report an attack when a threshold is crossed.

    ``login`` is what was typed, ``account`` the account it names (None when unknown).
    Returns the reasons reported by this call (empty almost always). Sends
    ``suspicious_activity`` (``user``: the account for a per-account attack, else None;
    ``details``: source, count, window).
    """
    ip = get_client_ip(request)
    if not ip:
        return []
    window = app_settings.ATTACK_WINDOW
    bucket = int(now() // window)
    identity = f"user:{account.pk}" if account is not None else f"login:{login.strip().lower()}"
    network = network_of(ip)
    reported = []
    for scope, source in (("ip", ip), ("network", network)):
        size = _count_distinct(f"acc-{scope}", source, identity, window, bucket)
        if size == app_settings.ATTACK_ACCOUNTS_PER_SOURCE:
            details = {scope: source, "accounts": size, "window": window}
            # An IP and its network cross together in a single-IP attack: one report a network.
            if _report_once(MANY_ACCOUNTS, network, bucket, window):
                _report(request, reason=MANY_ACCOUNTS, user=None, details=details)
                reported.append(MANY_ACCOUNTS)
    size = _count_distinct("net-acc", identity, network, window, bucket)
    if size == app_settings.ATTACK_NETWORKS_PER_ACCOUNT:
        details = {"networks": size, "window": window, "ip": ip}
        if account is None:
            details["login"] = login[:150]
        if _report_once(MANY_NETWORKS, identity, bucket, window):
            _report(request, reason=MANY_NETWORKS, user=account, details=details)
            reported.append(MANY_NETWORKS)
    return reported


def _report_once(reason: str, subject: str, bucket: int, window: int) -> bool:
    return cache.add(f"atk:r:{reason}:{_digest(subject)}:{bucket}", 1, window + 60)


def _report(request: HttpRequest, *, reason: str, user, details: dict) -> None:
    suspicious_activity.send(
        sender=user.__class__ if user is not None else None,
        request=request,
        user=user,
        reason=reason,
        details=details,
    )
    mail_staff(request, reason=reason, details=details)


def mail_staff(request: HttpRequest, *, reason: str, details: dict) -> int:
    """One alert per kind of attack per ``ACCOUNT_ATTACK_MAIL_INTERVAL`` to every active staff
    member with an address; a failing mail server never fails the login. Returns mails sent."""
    if not cache.add(f"atk:mail:{reason}", 1, app_settings.ATTACK_MAIL_INTERVAL):
        return 0
    adapter = get_adapter(request)
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    sent = 0
    for member in staff.only("pk", "username", "email", "language", "timezone"):
        # ``user`` is the recipient: the alert is written in that staff member's language.
        context = {
            "reason": reason,
            "reason_label": REASON_LABELS.get(reason, reason),
            "details": details,
            "staff": member,
            "user": member,
        }
        # A staff alert, not a user's security notice: ACCOUNT_EMAIL_NOTIFICATIONS does not
        # silence it. The outbox never lets a failing mail server fail the login.
        adapter.send_mail("account/email/attack_detected", member.email, context, request=request)
        sent += 1
    return sent
