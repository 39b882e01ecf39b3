"""Accounts data: the user, their email addresses and the devices they signed in from.

Second factors live in ``accounts.mfa.models``, session records in
``accounts.usersessions.models``.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


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


class EmailAddressQuerySet(models.QuerySet):
    def matching(self, email: str) -> "EmailAddressQuerySet":
        """Addresses equal to ``email`` up to case (as they are unique), served by the
        ``Lower("email")`` index."""
        return self.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())


class EmailAddress(models.Model):
    """An address a user can receive mail at. One primary per user; one verified owner per address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="emailaddress_set")
    email = models.EmailField(max_length=254)
    verified = models.BooleanField(default=False)
    primary = models.BooleanField(default=False)

    objects = EmailAddressQuerySet.as_manager()

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


class KnownDevice(models.Model):
    """A browser + network a user has signed in from (see ``accounts.devices``).

    Kept apart from ``usersessions.UserSession`` (deleted at logout) so a later login from the same place
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


class VerificationCode(models.Model):
    """A mailed code waiting to be typed (login, email verification, password reset).

    Only hashes are stored: of the code (keyed) and of a random token kept in the session of
    the browser that asked, so the code works in that browser only. ``failed_attempts`` is
    counted atomically *before* a typed code is compared; ``used_at`` is set by one atomic
    update, so a code works once even when two requests race with it.
    """

    class Purpose(models.TextChoices):
        LOGIN = "login", "Login"
        EMAIL_VERIFICATION = "email_verification", "Email verification"
        PASSWORD_RESET = "password_reset", "Password reset"

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE)
    email = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    browser_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveIntegerField(default=0)
    resend_count = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="accounts_vcode_expires_idx")]

    def __str__(self):
        return f"{self.purpose} code #{self.pk}"
