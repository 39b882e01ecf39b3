"""Accounts data: the user, their email addresses and the devices they signed in from.

Second factors live in ``accounts.mfa.models``, session records in
``accounts.usersessions.models``.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class AccountUserManager(UserManager):
    def get_by_natural_key(self, username):
        """Look usernames up case-insensitively, as they are unique that way."""
        return self.get(username__iexact=self.model.normalize_username(username))

    def _create_user_object(self, username, email, password, **extra_fields):
        """Django's, but an email-only account (no username, an address) is allowed."""
        if not username and email:
            user = super()._create_user_object("-", email, password, **extra_fields)
            user.username = None
            return user
        return super()._create_user_object(username, email, password, **extra_fields)

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

    # Optional: email-only sites (``ACCOUNT_SIGNUP_FIELDS`` without "username") store NULL,
    # which the case-insensitive unique constraint lets many accounts share.
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "150 characters or fewer. Letters, digits and @/./+/-/_ only. "
            "Empty for accounts that sign in by email address."
        ),
        validators=[UnicodeUsernameValidator()],
        error_messages={"unique": _("A user with that username already exists.")},
    )

    # The language and time zone this person reads the site and their mail in (accounts/i18n.py).
    # Blank until chosen or detected: the request's language / the site's zone apply.
    language = models.CharField(_("language"), max_length=16, blank=True, default="")
    timezone = models.CharField(_("time zone"), max_length=64, blank=True, default="")

    objects = AccountUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self):
        return self.get_username()

    def get_username(self) -> str:
        """The name to show: the username, or the address of an email-only account."""
        return self.username or self.email or f"user {self.pk}"

    def natural_key(self):
        return (self.username,)

    def clean(self):
        username = self.username  # Django's clean() would copy get_username() (the address)
        super().clean()
        self.username = self.normalize_username(username) or None

    def save(self, *args, **kwargs):
        self.username = self.normalize_username(self.username) or None
        super().save(*args, **kwargs)


class EmailAddressQuerySet(models.QuerySet):
    def matching(self, email: str) -> "EmailAddressQuerySet":
        """Addresses equal to ``email`` up to case (as they are unique), served by the
        ``Lower("email")`` index."""
        return self.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())


class EmailAddress(models.Model):
    """An address a user can receive mail at. One primary per user; one verified owner per address."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="emailaddress_set", verbose_name=_("user")
    )
    email = models.EmailField(_("email address"), max_length=254)
    verified = models.BooleanField(_("verified"), default=False)
    primary = models.BooleanField(_("primary"), default=False)

    objects = EmailAddressQuerySet.as_manager()

    class Meta:
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
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


class KnownDevice(models.Model):
    """A browser + network a user has signed in from (see ``accounts.devices``).

    Kept apart from ``usersessions.UserSession`` (deleted at logout) so a later login from the same place
    is recognised and no "new sign-in" notice is sent. Only a keyed hash is stored; the list
    is capped per user (``ACCOUNT_MAX_KNOWN_DEVICES``), the least recently seen go first.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="known_devices", verbose_name=_("user")
    )
    fingerprint = models.CharField(_("device fingerprint"), max_length=64)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("known device")
        verbose_name_plural = _("known devices")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "fingerprint"], name="accounts_knowndevice_user_fingerprint"
            ),
        ]

    def __str__(self):
        return f"device of {self.user_id} since {self.first_seen_at:%Y-%m-%d}"


class VerificationCode(models.Model):
    """A mailed code waiting to be typed (login, email verification, password reset).

    Only hashes are stored: of the code (keyed) and of a random token kept in the session of
    the browser that asked, so the code works in that browser only. ``failed_attempts`` is
    counted atomically *before* a typed code is compared; ``used_at`` is set by one atomic
    update, so a code works once even when two requests race with it.
    """

    class Purpose(models.TextChoices):
        LOGIN = "login", pgettext_lazy("code purpose", "Login")
        EMAIL_VERIFICATION = "email_verification", _("Email verification")
        PASSWORD_RESET = "password_reset", _("Password reset")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("user")
    )
    email = models.CharField(_("email address"), max_length=254)
    code_hash = models.CharField(_("code (hashed)"), max_length=64)
    browser_hash = models.CharField(_("browser token (hashed)"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    failed_attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    resend_count = models.PositiveIntegerField(_("times resent"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [models.Index(fields=["expires_at"], name="accounts_vcode_expires_idx")]

    def __str__(self):
        return f"{self.purpose} code #{self.pk}"


class Invitation(models.Model):
    """A single-use signup link staff create in the admin, for sites whose signup is closed.

    Only a SHA-256 of the link's key is stored: the link is shown once, to the staff member
    who created it. ``email``, when set, is the only address the invitation signs up.
    """

    key_hash = models.CharField(_("link key (hashed)"), max_length=64, unique=True, editable=False)
    email = models.EmailField(
        _("email address"),
        max_length=254,
        blank=True,
        help_text=_("Optional: only this address may use the link."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True, editable=False)
    used_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("used by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        # The admin's list shows it (its first column) and its delete page names it.
        if self.email:
            return gettext("invitation %(number)s for %(email)s") % {
                "number": self.pk,
                "email": self.email,
            }
        return gettext("invitation %(number)s") % {"number": self.pk}

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class AccountDeletion(models.Model):
    """A user asked for their account to be deleted: it is deactivated now and removed by
    ``purge_deleted_accounts`` once ``purge_after`` has passed, unless they cancel by signing
    in (``accounts.flows.delete_account``)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="deletion", verbose_name=_("user")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    purge_after = models.DateTimeField(_("deleted after"), db_index=True)

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")

    def __str__(self):
        return gettext("deletion of %(user)s after %(date)s") % {
            "user": self.user_id,
            "date": f"{self.purge_after:%Y-%m-%d}",
        }
