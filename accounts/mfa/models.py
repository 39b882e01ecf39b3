"""Second factors: a TOTP secret, a set of recovery codes, or a WebAuthn credential."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Authenticator(models.Model):
    """One second factor of a user; ``data`` holds its (encrypted or hashed) secrets."""

    class Type(models.TextChoices):
        TOTP = "totp", _("TOTP")
        RECOVERY_CODES = "recovery_codes", _("Recovery codes")
        WEBAUTHN = "webauthn", _("WebAuthn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authenticators"
    )
    type = models.CharField(max_length=20, choices=Type.choices)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "type"],
                condition=Q(type__in=["totp", "recovery_codes"]),
                name="mfa_authenticator_one_totp_one_recovery",
            ),
            # A WebAuthn credential id belongs to one account only (WebAuthn §7.1).
            models.UniqueConstraint(
                KT("data__credential_id"),
                condition=Q(type="webauthn"),
                name="mfa_authenticator_webauthn_credential_unique",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} of {self.user_id}"


class TrustRevocation(models.Model):
    """When a user last revoked every trusted browser (``MFA_TRUST_ENABLED``): trust cookies
    issued before ``revoked_at`` no longer skip the second factor."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_trust_revocation"
    )
    revoked_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"trust of {self.user_id} revoked at {self.revoked_at:%Y-%m-%d %H:%M}"
