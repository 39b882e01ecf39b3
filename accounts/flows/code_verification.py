"""What every mailed-code flow shares: issue a code, find the pending one, check a typed code.

A process (login, email verification, password reset) is a subclass naming its purpose, its
settings, its mail and its ``*_code_rejected`` signal. The pending code is a
``VerificationCode`` row; the session of the browser that asked keeps its id and a random
token whose hash the row holds, so the code works in that browser only.

A typed code is budgeted *before* it is compared: one per-IP attempt of ``verify_code``
(``ratelimit.consume_or_raise``), then the row's ``failed_attempts`` is raised by one atomic
UPDATE that only matches while attempts are left. A right code is spent by another atomic
UPDATE (``used_at IS NULL``), so two racing requests cannot both use it. A wrong code sends the
process's ``*_code_rejected`` signal with ``last_attempt``; the last allowed wrong code voids
the pending code, after which even the right one is refused.

Signals: ``verification_code_sent`` (no code in it), ``verification_code_accepted`` and the
process's ``*_code_rejected``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import ratelimit
from accounts.adapter import get_adapter
from accounts.codes import generate_user_code, hash_token, hash_user_code, user_code_matches
from accounts.exceptions import FlowError
from accounts.models import User, VerificationCode
from accounts.signals import verification_code_accepted, verification_code_sent

INCORRECT_CODE = _("Incorrect code.")
CODE_EXPIRED = _("The code has expired or was already used. Ask for a new one.")
TOO_MANY_WRONG_CODES = _("Too many wrong codes. Ask for a new one.")


class CodeProcess:
    """One kind of mailed code. Subclasses set the class attributes and the settings."""

    purpose: ClassVar[str]
    session_key: ClassVar[str]
    mail_template: ClassVar[str]
    rejected_signal: ClassVar[Signal]

    # --- settings (overridden per process) -----------------------------------------------

    @classmethod
    def timeout(cls) -> int:
        raise NotImplementedError

    @classmethod
    def max_attempts(cls) -> int:
        raise NotImplementedError

    @classmethod
    def max_resends(cls) -> int:
        return 0

    # --- state in the session ---------------------------------------------------------------

    @classmethod
    def state(cls, request: HttpRequest) -> dict[str, Any]:
        data = request.session.get(cls.session_key)
        return data if isinstance(data, dict) else {}

    @classmethod
    def clear(cls, request: HttpRequest) -> None:
        request.session.pop(cls.session_key, None)

    @classmethod
    def issue(
        cls,
        request: HttpRequest,
        *,
        user: User | None,
        email: str,
        state: dict[str, Any] | None = None,
        mail_context: dict[str, Any] | None = None,
    ) -> VerificationCode:
        """Mail a fresh code to ``email`` and make it this browser's pending code.

        For an address without an account (``user=None``) nothing is mailed by this function:
        the row holds the hash of a code nobody knows, so the next page and every answer read
        exactly as for a real account (no enumeration).
        """
        cls._void_pending(request)
        token = secrets.token_urlsafe(32)
        code = generate_user_code()
        now = timezone.now()
        # Codes past their time are of no use to anyone: the table stays small (indexed).
        VerificationCode.objects.filter(expires_at__lt=now).delete()
        row = VerificationCode.objects.create(
            purpose=cls.purpose,
            user=user,
            email=email,
            code_hash=hash_user_code(code, purpose=cls.purpose),
            browser_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(seconds=cls.timeout()),
        )
        request.session[cls.session_key] = {
            **(state or {}),
            "id": row.pk,
            "token": token,
            "email": email,
            "user_id": user.pk if user is not None else None,
        }
        if user is not None:
            cls._mail(request, row=row, code=code, user=user, extra=mail_context, resend=False)
        return row

    @classmethod
    def _mail(cls, request, *, row, code, user, extra, resend: bool) -> None:
        context = {
            "user": user,
            "code": code,
            "email": row.email,
            "timeout_minutes": max(1, cls.timeout() // 60),
            **(extra or {}),
        }
        get_adapter(request).send_mail(cls.mail_template, row.email, context, request=request)
        verification_code_sent.send(
            sender=cls,
            request=request,
            user=user,
            email=row.email,
            purpose=cls.purpose,
            resend=resend,
        )

    @classmethod
    def _void_pending(cls, request: HttpRequest) -> None:
        row = cls.pending(request)
        if row is not None:
            VerificationCode.objects.filter(pk=row.pk).delete()
        cls.clear(request)

    @classmethod
    def _rows(cls, request: HttpRequest):
        state = cls.state(request)
        if not state.get("id") or not isinstance(state.get("token"), str):
            return VerificationCode.objects.none()
        return VerificationCode.objects.filter(
            pk=state["id"],
            purpose=cls.purpose,
            browser_hash=hash_token(state["token"]),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )

    @classmethod
    def pending(cls, request: HttpRequest) -> VerificationCode | None:
        """This browser's live code of this purpose (not used, not expired), or ``None``."""
        return cls._rows(request).select_related("user").first()

    @classmethod
    def can_resend(cls, row: VerificationCode) -> bool:
        """Whether the page offers a new code (the same for an address without an account,
        where "resending" mails nothing)."""
        return row.resend_count < cls.max_resends()

    @classmethod
    def resend(
        cls, request: HttpRequest, *, row: VerificationCode, mail_context: dict | None = None
    ) -> None:
        """A new code replaces the pending one (same attempts spent, timer restarted)."""
        ratelimit.consume_or_raise(request, "request_login_code", key=row.email.lower())
        code = generate_user_code()
        now = timezone.now()
        updated = (
            cls._rows(request)
            .filter(resend_count__lt=cls.max_resends())
            .update(
                code_hash=hash_user_code(code, purpose=cls.purpose),
                resend_count=F("resend_count") + 1,
                expires_at=now + timedelta(seconds=cls.timeout()),
            )
        )
        if updated and row.user is not None:
            cls._mail(request, row=row, code=code, user=row.user, extra=mail_context, resend=True)

    @classmethod
    def verify(cls, request: HttpRequest, *, code: str) -> VerificationCode:
        """Spend the pending code if ``code`` is it; return the (now used) row.

        Raises ``RateLimited`` (per-IP budget), ``FlowError("code_expired")`` when no code is
        pending any more (expired, spent, voided, or this browser never asked), or
        ``FlowError("incorrect_code")`` whose ``attempts_left`` says whether the code is void.
        """
        ratelimit.consume_or_raise(request, "verify_code")
        with transaction.atomic():
            # The row lock serialises racing requests: the second one re-reads the row
            # after the first committed and finds it spent (or its attempts used up).
            row = cls._rows(request).select_for_update().first()
            if row is not None and row.failed_attempts < cls.max_attempts():
                row.failed_attempts += 1
                matched = user_code_matches(code, digest=row.code_hash, purpose=cls.purpose)
                if matched:
                    row.used_at = timezone.now()
                row.save(update_fields=["failed_attempts", "used_at"])
            else:
                row = None
        if row is None:
            cls._void_pending(request)
            raise FlowError(CODE_EXPIRED, code="code_expired", status=400)
        user = User.objects.filter(pk=row.user_id).first() if row.user_id else None
        row.user = user
        if matched:
            cls.clear(request)
            verification_code_accepted.send(
                sender=cls, request=request, user=user, email=row.email, purpose=cls.purpose
            )
            return row
        last_attempt = row.failed_attempts >= cls.max_attempts()
        if user is not None:
            cls.rejected_signal.send(
                sender=cls, request=request, user=user, last_attempt=last_attempt
            )
        if last_attempt:
            cls._void_pending(request)
            error = FlowError(TOO_MANY_WRONG_CODES, code="too_many_attempts", status=400)
        else:
            error = FlowError(INCORRECT_CODE, code="incorrect_code", field="code")
        error.attempts_left = not last_attempt
        raise error
