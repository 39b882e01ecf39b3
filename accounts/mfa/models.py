"""Second factors: a TOTP secret, a set of recovery codes, or a WebAuthn credential."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Authenticator(models.Model):
    """One second factor of a user; ``data`` holds its (encrypted or hashed) secrets."""

    class Type(models.TextChoices):
        TOTP = "totp", _("TOTP")
        RECOVERY_CODES = "recovery_codes", _("Recovery codes")
        WEBAUTHN = "webauthn", _("WebAuthn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="authenticators",
        verbose_name=_("user"),
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    data = models.JSONField(_("data (encrypted or hashed)"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")
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
        # The admin's pages and its delete confirmation name it.
        return gettext("%(type)s of %(user)s") % {
            "type": self.get_type_display(),
            "user": self.user_id,
        }


class TrustRevocation(models.Model):
    """When a user last revoked every trusted browser (``MFA_TRUST_ENABLED``): trust cookies
    issued before ``revoked_at`` no longer skip the second factor."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mfa_trust_revocation",
        verbose_name=_("user"),
    )
    revoked_at = models.DateTimeField(_("trusted browsers revoked"), default=timezone.now)

    class Meta:
        verbose_name = _("revocation of trusted browsers")
        verbose_name_plural = _("revocations of trusted browsers")

    def __str__(self):
        return f"trust of {self.user_id} revoked at {self.revoked_at:%Y-%m-%d %H:%M}"
