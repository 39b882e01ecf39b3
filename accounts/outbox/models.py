"""One row per mail the site sends, from the flow's transaction until it is sent."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMail(models.Model):
    """A mail on its way out.

    ``content`` (the body, its HTML alternative and extra headers: links with keys) is kept
    only until the mail is sent. ``generation`` names the one scheduled task responsible for
    the mail: rescheduling bumps it, and a task of an older generation does nothing, so a mail
    never has two retry chains. ``claimed_until`` is how long the process sending it owns it.
    """

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        QUEUED = "queued", _("Queued for a retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (gave up)")

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    template = models.CharField(_("template"), max_length=200, blank=True)
    from_email = models.CharField(_("sender"), max_length=320)
    to = models.JSONField(_("to"), default=list)
    subject = models.TextField(_("subject"), blank=True)
    content = models.JSONField(_("content"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed by a sender until"), null=True, blank=True)
    generation = models.PositiveIntegerField(_("retry generation"), default=1)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        indexes = [models.Index(fields=["status", "-created_at"], name="outbox_status_created")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def name(self) -> str:
        """The template's last part (``password_reset_key``), as the logs name a mail."""
        return self.template.rsplit("/", 1)[-1] or "unnamed"
