"""Records of logged-in sessions, one row per session, written at login."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """A record of one logged-in session, written at login.

    It lets the site end a user's sessions without scanning the whole session store, and it is
    what the "Your sessions" page lists. Rows are deleted when their session ends.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="session_records",
        verbose_name=_("user"),
    )
    session_key = models.CharField(_("session key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser (user agent)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="usersession_user_seen")]

    def __str__(self):
        # The admin's pages and its delete confirmation name it.
        return gettext("session of %(user)s since %(date)s") % {
            "user": self.user_id,
            "date": f"{self.created_at:%Y-%m-%d %H:%M}",
        }
