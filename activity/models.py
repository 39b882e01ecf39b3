"""Audit logs written from the account signals (LoginLog, SecurityLog, MFALog, UserProfile).

The three logs are append-only: the application creates rows and never edits them. Their
default manager refuses ``update()`` and ``delete()`` and an existing row refuses ``save()``;
only ``prune_activity`` deletes old rows, through the plain ``_base_manager``. The user is
kept as a nullable foreign key plus a snapshot of the username and email, so the history of
a deleted account survives it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An audit row was about to be changed or deleted by application code."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are never updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are only deleted by prune_activity.")

    delete.alters_data = True
    delete.queryset_only = True


class AuditLog(models.Model):
    """What every log row records: when, who, from where, and free-form context."""

    # Indexes are declared in each log's Meta (see ``log_indexes``): composite ones only, so
    # no single-column index duplicates the leading column of a composite one.
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="%(class)ss",
        db_index=False,  # (user, created_at) serves the lookups and the SET_NULL on delete
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    email = models.CharField(_("email address"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser (user agent)"), max_length=300, blank=True)
    path = models.CharField(_("page (path)"), max_length=200, blank=True)
    # sha256 of the session key, to tie rows of one session together without the key itself.
    session_hash = models.CharField(_("session (hashed)"), max_length=64, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are only deleted by prune_activity.")


def log_indexes(prefix, *, covering=("event",)):
    """The indexes every log needs on millions of rows (names fit Django's 30 characters).

    - ``created_at`` (+ ``id``) INCLUDE the grouped columns: the unfiltered changelist (ORDER
      BY created_at DESC, id DESC LIMIT 50: a backward index scan, no sort), the date
      hierarchy's MIN/MAX, pruning, and index-only scans for the dashboard's per-day and
      per-event counts (INCLUDE is PostgreSQL's; elsewhere a plain index).
    - ``(event, created_at)``: the event filter, and dashboard counts of one event.
    - ``(user, created_at)``: the user filter, the user's activity page, SET_NULL on delete.
    - ``(ip_address, created_at)``: the exact-IP search of the admin.
    """
    return [
        models.Index(
            fields=["created_at", "id"], include=list(covering), name=f"{prefix}_created_idx"
        ),
        models.Index(fields=["event", "created_at"], name=f"{prefix}_event_idx"),
        models.Index(fields=["user", "created_at"], name=f"{prefix}_user_idx"),
        models.Index(fields=["ip_address", "created_at"], name=f"{prefix}_ip_idx"),
    ]


class LoginLog(AuditLog):
    """A login, a logout or a failed login (with the identifier typed, never the password)."""

    class Event(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGOUT = "logout", _("Logout")
        FAILED = "failed", _("Failed login")

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        TOTP = "totp", _("Password + TOTP")
        RECOVERY_CODES = "recovery_codes", _("Password + recovery code")
        WEBAUTHN = "webauthn", _("Password + security key")
        PASSKEY = "passkey", _("Passkey")
        SOCIALACCOUNT = "socialaccount", _("Social account")
        CODE = "code", _("Mailed code")

    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=40, blank=True)

    class Meta(AuditLog.Meta):
        verbose_name = _("login log entry")
        verbose_name_plural = _("login log")
        indexes = log_indexes("activity_login")

    def __str__(self):
        return f"{self.get_event_display()} {self.username or '-'} {self.created_at:%Y-%m-%d %H:%M}"


class SecurityLog(AuditLog):
    """A change to an account's security, or an event around it.

    ``user`` is whose account it concerns, ``actor`` who did it (the user, staff in the admin,
    or nobody for anonymous requests such as a reset or a refused login).
    """

    class Event(models.TextChoices):
        SIGNUP = "signup", _("Signed up")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_SET = "password_set", _("Password set")
        PASSWORD_RESET = "password_reset", _("Password reset")
        EMAIL_ADDED = "email_added", _("Email added")
        EMAIL_REMOVED = "email_removed", _("Email removed")
        EMAIL_CHANGED = "email_changed", _("Primary email changed")
        EMAIL_CONFIRMED = "email_confirmed", _("Email confirmed")
        EMAIL_CONFIRMATION_SENT = "email_confirmation_sent", _("Verification mail sent")
        TOTP_ADDED = "totp_added", _("TOTP activated")
        TOTP_REMOVED = "totp_removed", _("TOTP deactivated")
        RECOVERY_CODES_ADDED = "recovery_codes_added", _("Recovery codes generated")
        RECOVERY_CODES_REMOVED = "recovery_codes_removed", _("Recovery codes removed")
        RECOVERY_CODES_RESET = "recovery_codes_reset", _("Recovery codes regenerated")
        WEBAUTHN_ADDED = "webauthn_added", _("Security key added")
        WEBAUTHN_REMOVED = "webauthn_removed", _("Security key removed")
        REAUTHENTICATED = "reauthenticated", _("Reauthenticated")
        SESSIONS_ENDED = "sessions_ended", _("Sessions ended")
        NEW_DEVICE_LOGIN = "new_device_login", _("Login from a new device")
        RATE_LIMITED = "rate_limited", _("Rate limited / locked out")
        LOGIN_LOCKED = "login_locked", _("Logins locked after failures")
        LOGIN_UNLOCKED = "login_unlocked", _("Login lockout lifted")
        SUSPICIOUS_ACTIVITY = "suspicious_activity", _("Suspicious activity")
        ACTIVITY_PRUNED = "activity_pruned", _("Old activity pruned")
        SOCIALACCOUNT_ADDED = "socialaccount_added", _("Social account connected")
        SOCIALACCOUNT_UPDATED = "socialaccount_updated", _("Social account signed in")
        SOCIALACCOUNT_REMOVED = "socialaccount_removed", _("Social account disconnected")
        CODE_SENT = "code_sent", _("Code mailed")
        CODE_ACCEPTED = "code_accepted", _("Code accepted")
        CODE_REJECTED = "code_rejected", _("Wrong code")
        BROWSER_TRUSTED = "browser_trusted", _("Browser trusted (skips the second factor)")
        TRUSTED_BROWSERS_REVOKED = "trusted_browsers_revoked", _("Trusted browsers revoked")
        INVITATION_CREATED = "invitation_created", _("Signup invitation created")
        INVITATION_ACCEPTED = "invitation_accepted", _("Signed up with an invitation")
        MFA_SETUP_REQUIRED = "mfa_setup_required", _("Sent to set up two-factor (required)")
        ACCOUNT_DELETION_REQUESTED = "account_deletion_requested", _("Account deletion requested")
        ACCOUNT_DELETION_CANCELLED = "account_deletion_cancelled", _("Account deletion cancelled")
        ACCOUNT_DELETED = "account_deleted", _("Account deleted")
        DATA_EXPORTED = "data_exported", _("Data downloaded")
        LOCKOUT_LIFTED = "lockout_lifted", _("Lockout lifted")

    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )

    class Meta(AuditLog.Meta):
        verbose_name = _("security log entry")
        verbose_name_plural = _("security log")
        indexes = log_indexes("activity_security")

    def __str__(self):
        return f"{self.get_event_display()} {self.username or '-'} {self.created_at:%Y-%m-%d %H:%M}"


class MFALog(AuditLog):
    """One use or failure of a second factor (at login, or when reauthenticating)."""

    class Event(models.TextChoices):
        USED = "used", _("Used")
        FAILED = "failed", _("Failed")

    class Method(models.TextChoices):
        TOTP = "totp", _("TOTP")
        RECOVERY_CODES = "recovery_codes", _("Recovery codes")
        WEBAUTHN = "webauthn", _("WebAuthn")

    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, blank=True)
    # Not a foreign key: the authenticator may be removed, its log rows stay.
    authenticator_id = models.PositiveBigIntegerField(_("authenticator"), null=True, blank=True)
    passwordless = models.BooleanField(_("passwordless sign-in"), default=False)
    reauthentication = models.BooleanField(_("reauthentication"), default=False)

    class Meta(AuditLog.Meta):
        verbose_name = _("MFA log entry")
        verbose_name_plural = _("MFA log")
        indexes = log_indexes("activity_mfa", covering=("event", "method"))

    def __str__(self):
        return f"{self.get_method_display()} {self.get_event_display()} {self.username or '-'}"


class UserProfile(models.Model):
    """Per-user facts the account flows do not keep: where they came from and how they log in.

    Created for every user (signup, ``createsuperuser``, the admin) by a ``post_save`` receiver.
    The login fields are kept by the ``LoginLog`` table's trigger on SQLite and PostgreSQL (one
    statement with the login's row, creating a missing profile; ``activity/dbsetup.py``), by
    ``services.profile_record_login`` elsewhere.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    signup_ip = models.GenericIPAddressField(_("signed up from IP address"), null=True, blank=True)
    referral = models.CharField(_("referral"), max_length=64, blank=True)
    login_count = models.PositiveIntegerField(_("number of logins"), default=0)
    last_login_ip = models.GenericIPAddressField(
        _("last login from IP address"), null=True, blank=True
    )
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)
    trial_started_at = models.DateTimeField(_("trial started"), null=True, blank=True)
    trial_ends_at = models.DateTimeField(_("trial ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        # The admin's inline heading reads "Profile: profile of alice"; the inline formset
        # has already cached ``user``, so naming it costs no query there.
        return gettext("profile of %(name)s") % {"name": self.user.get_username()}

    @property
    def trial_active(self):
        return self.trial_ends_at is not None and self.trial_ends_at > timezone.now()

    def activate_trial(self, days=30):
        """Start (or restart) a trial of ``days`` days from now."""
        now = timezone.now()
        self.trial_started_at = now
        self.trial_ends_at = now + timedelta(days=days)
        self.save(update_fields=["trial_started_at", "trial_ends_at"])


class RateLimitRefusal(SecurityLog):
    """The ``rate_limited`` rows of the security log, as the lockout admin lists them."""

    class Meta:
        proxy = True
        verbose_name = _("rate-limit refusal")
        verbose_name_plural = _("lockouts and refusals")


class EventCount(models.Model):
    """How many rows of one ``(log, event, method)`` were written in one hour (UTC).

    Kept by a trigger on each log table, in the same statement as the log row (an
    ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1``; ``activity/dbsetup.py``), so the
    dashboard sums at most ``hours x events`` small rows, whatever the size of the logs.
    ``shard`` stripes the hot counters: concurrent logins of one hour increment different rows
    (``id % 8``) instead of queueing on one row lock until their transactions commit.
    """

    hour = models.DateTimeField(_("hour"))
    log = models.CharField(_("log"), max_length=10)  # "login", "security" or "mfa"
    event = models.CharField(_("event"), max_length=40)
    method = models.CharField(_("method"), max_length=20, blank=True)
    shard = models.PositiveSmallIntegerField(_("shard"), default=0)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("event count")
        verbose_name_plural = _("event counts")
        constraints = [
            models.UniqueConstraint(
                fields=["log", "hour", "event", "method", "shard"], name="activity_count_uniq"
            )
        ]

    def __str__(self):
        return f"{self.log}/{self.event} {self.hour:%Y-%m-%d %H}h: {self.count}"


class FailedLoginSource(models.Model):
    """Failed logins per hour, client IP and identifier typed.

    One upsert per failed login. The dashboard's "top IPs by failed logins" sums ``failures``
    and counts distinct ``username`` per IP over the last day of rows (bounded by the attack
    traffic of a day, never by the size of the log); the rows also serve the detector's
    reports. Rows older than the dashboard's window are pruned with the logs.
    """

    hour = models.DateTimeField(_("hour"))
    ip_address = models.GenericIPAddressField(_("IP address"))
    username = models.CharField(_("username"), max_length=150)
    failures = models.PositiveIntegerField(_("failed logins"), default=0)

    class Meta:
        verbose_name = _("source of failed logins")
        verbose_name_plural = _("sources of failed logins")
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "ip_address", "username"], name="activity_failsrc_uniq"
            )
        ]

    def __str__(self):
        return f"{self.ip_address} {self.username}: {self.failures}"


class ActivityDigest(models.Model):
    """One signed, chained digest of the log rows written since the previous one.

    ``body`` holds, per log, the id range covered, the ids (as compact ranges), a short hash
    of every row (to name the row that changed) and the SHA-256 over the full row hashes; and
    the signature of the previous digest. ``signature`` is HMAC-SHA256 of the canonical body
    under ``ACTIVITY_DIGEST_KEY`` (see activity/integrity.py).
    """

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    sealed_at = models.DateTimeField(_("sealed"), default=timezone.now)
    body = models.JSONField(_("body"))
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        verbose_name = _("activity digest")
        verbose_name_plural = _("activity digests")
        ordering = ["seq"]
        get_latest_by = "seq"

    def __str__(self):
        return f"digest #{self.seq} at {self.sealed_at:%Y-%m-%d %H:%M}"


class ActivityVerification(models.Model):
    """The outcome of one ``verify_activity`` run (the dashboard shows the last one)."""

    checked_at = models.DateTimeField(_("checked"), default=timezone.now, db_index=True)
    ok = models.BooleanField(_("intact"))
    digests = models.PositiveIntegerField(_("digests checked"), default=0)
    rows = models.PositiveBigIntegerField(_("rows checked"), default=0)
    problems = models.JSONField(_("problems"), default=list, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("activity verification")
        verbose_name_plural = _("activity verifications")
        get_latest_by = "checked_at"

    def __str__(self):
        return f"verification at {self.checked_at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'FAILED'}"


class SinkDelivery(models.Model):
    """One audit event waiting for (or delivered to) one configured SIEM sink: the outbox.

    Written in the same transaction as the log row, so an event exists for the sinks if and
    only if its row was committed; a worker task sends it and retries with backoff until the
    sink takes it (at least once: a sink that answered but whose answer was lost gets it
    again, with the same ``event_id`` to de-duplicate on).
    """

    event_id = models.UUIDField(_("event id"))
    sink = models.CharField(_("sink"), max_length=50)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery to a SIEM sink")
        verbose_name_plural = _("deliveries to SIEM sinks")
        constraints = [
            models.UniqueConstraint(fields=["event_id", "sink"], name="activity_sink_event_uniq")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="activity_sink_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.event_id} -> {self.sink}"
