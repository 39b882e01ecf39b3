"""Social accounts: the identities a user signs in with, their tokens, and provider apps.

``SocialApp`` rows are apps configured in the admin, next to those in
``SOCIALACCOUNT_PROVIDERS``; their secrets, like stored tokens, are encrypted at rest through
the adapter (``encrypt``/``decrypt``), so a database dump alone reveals none of them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SocialApp(models.Model):
    """A provider app (client id and secret) kept in the database and edited in the admin."""

    class Provider(models.TextChoices):
        OPENID_CONNECT = "openid_connect", "OpenID Connect"
        GITHUB = "github", "GitHub"
        GOOGLE = "google", "Google"
        MICROSOFT = "microsoft", "Microsoft"

    provider = models.CharField(_("provider"), max_length=30, choices=Provider.choices)
    provider_id = models.CharField(
        _("provider id"),
        max_length=200,
        blank=True,
        help_text=_("For OpenID Connect: the id in the URLs (/accounts/oidc/<id>/login/)."),
    )
    name = models.CharField(_("name"), max_length=40)
    client_id = models.CharField(_("client id"), max_length=191)
    # Encrypted with the adapter's ``encrypt`` (never the plain secret).
    secret = models.TextField(_("secret (encrypted)"), blank=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("social application")
        verbose_name_plural = _("social applications")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_id"], name="socialaccount_app_provider_unique"
            ),
        ]

    def __str__(self):
        return self.name


class SocialAccount(models.Model):
    """One identity at a provider (``provider`` is its id, e.g. ``"github"`` or the OpenID
    Connect app's ``provider_id``; ``uid`` the provider's stable subject), linked to a user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    provider = models.CharField(_("provider"), max_length=200)
    uid = models.CharField(_("user id at the provider"), max_length=191)
    last_login = models.DateTimeField(_("last login"), default=timezone.now)
    date_joined = models.DateTimeField(_("connected"), default=timezone.now)
    extra_data = models.JSONField(_("data from the provider"), default=dict)

    class Meta:
        verbose_name = _("social account")
        verbose_name_plural = _("social accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "uid"], name="socialaccount_account_provider_uid"
            ),
        ]

    def __str__(self):
        return f"{self.provider}:{self.uid}"

    def to_str(self) -> str:
        """How the connections page names the identity (allauth's name for it)."""
        data = self.extra_data if isinstance(self.extra_data, dict) else {}
        return str(data.get("email") or data.get("login") or self.uid)


class SocialToken(models.Model):
    """The provider's tokens for a social account (only with ``SOCIALACCOUNT_STORE_TOKENS``),
    encrypted: ``token`` is the access token, ``token_secret`` the refresh token."""

    app = models.ForeignKey(
        SocialApp,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("social application"),
    )
    account = models.OneToOneField(
        SocialAccount,
        on_delete=models.CASCADE,
        related_name="token",
        verbose_name=_("social account"),
    )
    token = models.TextField(_("access token (encrypted)"))
    token_secret = models.TextField(_("refresh token (encrypted)"), blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("social application token")
        verbose_name_plural = _("social application tokens")

    def __str__(self):
        return gettext("token of %(account)s") % {"account": self.account}
