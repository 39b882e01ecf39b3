"""Accounts data: the user, their email addresses, second factors and session records."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property


class AccountUserManager(UserManager):
    def get_by_natural_key(self, username):
        """Look usernames up case-insensitively, as they are unique that way."""
        return self.get(username__iexact=self.model.normalize_username(username))

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """``createsuperuser``: also record the address, so the email pages know it."""
        user = super().create_superuser(username, email, password, **extra_fields)
        if user.email:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        return user


class User(AbstractUser):
    """The site's user. Usernames are NFKC-normalised and unique case-insensitively.

    ``email`` mirrors the primary ``EmailAddress``; uniqueness of addresses is enforced on
    ``EmailAddress`` among verified ones.
    """

    objects = AccountUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def clean(self):
        super().clean()
        self.username = self.normalize_username(self.username)

    def save(self, *args, **kwargs):
        self.username = self.normalize_username(self.username)
        super().save(*args, **kwargs)


class EmailAddress(models.Model):
    """An address a user can receive mail at. One primary per user; one verified owner per address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="emailaddress_set")
    email = models.EmailField(max_length=254)
    verified = models.BooleanField(default=False)
    primary = models.BooleanField(default=False)

    class Meta:
        verbose_name = "email address"
        verbose_name_plural = "email addresses"
        constraints = [
            models.UniqueConstraint("user", Lower("email"), name="accounts_email_user_ci_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(primary=True), name="accounts_email_one_primary"
            ),
            models.UniqueConstraint(
                Lower("email"), condition=Q(verified=True), name="accounts_email_verified_ci_unique"
            ),
        ]
        indexes = [models.Index(Lower("email"), name="accounts_email_lower_idx")]

    def __str__(self):
        return self.email


class EmailConfirmation:
    """A stateless, signed email confirmation (like allauth's ``EmailConfirmationHMAC``).

    The key signs the address's pk *and* the exact address string, so it cannot confirm an
    address edited afterwards; it expires after ``ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS``.
    This class is the sender of ``email_confirmation_sent``.
    """

    def __init__(self, email_address, created=None):
        self.email_address = email_address
        self.created = created or timezone.now()

    @cached_property
    def key(self):
        """Made once per confirmation, so receivers see the key that was mailed."""
        from accounts import tokens

        return tokens.make_email_confirmation_key(self.email_address)

    @classmethod
    def from_key(cls, key):
        """Return the confirmation for ``key``, or ``None`` if invalid, expired or stale."""
        from accounts import tokens

        return tokens.read_email_confirmation_key(key)


class Authenticator(models.Model):
    """A second factor: a TOTP secret, a set of recovery codes or a WebAuthn credential."""

    class Type(models.TextChoices):
        TOTP = "totp", "TOTP"
        RECOVERY_CODES = "recovery_codes", "Recovery codes"
        WEBAUTHN = "webauthn", "WebAuthn"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authenticators")
    type = models.CharField(max_length=20, choices=Type.choices)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "type"],
                condition=Q(type__in=["totp", "recovery_codes"]),
                name="accounts_authenticator_one_totp_one_recovery",
            ),
            # A WebAuthn credential id belongs to one account only (WebAuthn §7.1).
            models.UniqueConstraint(
                KT("data__credential_id"),
                condition=Q(type="webauthn"),
                name="accounts_authenticator_webauthn_credential_unique",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} of {self.user_id}"


class UserSession(models.Model):
    """A record of one logged-in session, written at login.

    It lets the site end a user's sessions without scanning the whole session store, and it is
    what the "Your sessions" page lists. Rows are deleted when their session ends.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_records")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="accounts_usersession_user")]

    def __str__(self):
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class KnownDevice(models.Model):
    """A browser + network a user has signed in from (see ``accounts.devices``).

    Kept apart from ``UserSession`` (deleted at logout) so a later login from the same place
    is recognised and no "new sign-in" notice is sent. Only a keyed hash is stored; the list
    is capped per user (``ACCOUNT_MAX_KNOWN_DEVICES``), the least recently seen go first.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    fingerprint = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "fingerprint"], name="accounts_knowndevice_user_fingerprint"
            ),
        ]

    def __str__(self):
        return f"device of {self.user_id} since {self.first_seen_at:%Y-%m-%d}"
