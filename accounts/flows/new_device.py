"""The new-device sign-in notice: a login side effect, after the login completed."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts import app_settings
from accounts.authentication import is_signup_login
from accounts.devices import describe_user_agent, request_fingerprint
from accounts.httpkit import absolute_url, get_client_ip
from accounts.models import KnownDevice, User
from accounts.notifications import send_security_notice
from accounts.signals import new_device_login


def _cap_known_devices(user: User) -> bool:
    """Keep the ``ACCOUNT_MAX_KNOWN_DEVICES`` most recently seen devices; return whether any
    other than the one just added existed (one query reads both: the list is capped, so it
    stays short)."""
    devices = KnownDevice.objects.filter(user=user).order_by("-last_seen_at", "-pk")
    pks = list(devices.values_list("pk", flat=True))
    stale = pks[app_settings.MAX_KNOWN_DEVICES :]
    if stale:
        KnownDevice.objects.filter(pk__in=stale).delete()
    return len(pks) > 1


def remember_device(request: HttpRequest, *, user: User) -> tuple[bool, bool]:
    """Record this request's device for ``user``; return ``(is_new, had_history)``.

    A device seen before implies a history; only a new one needs to look at the others.
    """
    now = timezone.now()
    fingerprint = request_fingerprint(request)
    # The usual case, a known device, is one UPDATE (no savepoint: a single statement).
    if KnownDevice.objects.filter(user=user, fingerprint=fingerprint).update(last_seen_at=now):
        return False, True
    # None: a plain INSERT in a savepoint (the UPDATE just saw no row, so get_or_create's
    # SELECT would find nothing either).
    try:
        with transaction.atomic():
            KnownDevice.objects.create(
                user=user, fingerprint=fingerprint, first_seen_at=now, last_seen_at=now
            )
    except IntegrityError:  # a concurrent login from the same device inserted it meanwhile
        KnownDevice.objects.filter(user=user, fingerprint=fingerprint).update(last_seen_at=now)
        return False, True
    return True, _cap_known_devices(user)


def remember_first_device(request: HttpRequest, *, user: User) -> None:
    """The login that completes a signup: the account has no device to compare with (and
    gets no notice), so this one is recorded with one upsert, where ``remember_device``
    spends an UPDATE, a savepoint pair around the INSERT and a read of the list."""
    now = timezone.now()
    KnownDevice.objects.bulk_create(
        [
            KnownDevice(
                user=user,
                fingerprint=request_fingerprint(request),
                first_seen_at=now,
                last_seen_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "fingerprint"],
        update_fields=["last_seen_at"],
    )


def notify_if_new_device(request: HttpRequest, *, user: User) -> bool:
    """After a completed login: tell the user when it came from a device never seen before.

    Silent for the login that completes a signup and for a user's first login ever (there is
    nothing to compare with yet); the device is remembered either way. Sends
    ``new_device_login``, then the mail (a failed notice never fails the login it reports
    on). Returns whether the notice went out.
    """
    if is_signup_login(request):
        remember_first_device(request, user=user)
        return False
    is_new, had_history = remember_device(request, user=user)
    if not is_new or not had_history:
        return False
    new_device_login.send(sender=user.__class__, request=request, user=user)
    if user.email:
        context = {
            "user": user,
            "device": describe_user_agent(request.META.get("HTTP_USER_AGENT", "")),
            "ip": get_client_ip(request),
            "sessions_url": absolute_url(request, reverse("usersessions_list")),
            "password_change_url": absolute_url(request, reverse("account_change_password")),
        }
        context.pop("user")
        send_security_notice(
            request, user=user, notice="new_device_login", to=user.email, **context
        )
    return True
