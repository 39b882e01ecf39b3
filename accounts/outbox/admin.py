from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.outbox.delivery import retry_mail
from accounts.outbox.models import OutboxMail


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    """Outgoing mail for staff: what is queued or failed, why, and a way to try again.

    The body is never shown: it holds links with keys (a password-reset link is as good as
    the password), and it is dropped once the mail is sent anyway.
    """

    list_display = (
        "created_at",
        "subject",
        "recipients",
        "status",
        "attempts",
        "next_attempt_at",
        "error",
    )
    list_filter = ("status",)
    search_fields = ("subject", "to", "template")
    date_hierarchy = "created_at"
    actions = ("retry_delivery",)
    exclude = ("content", "generation", "claimed_until")
    readonly_fields = (
        "created_at",
        "template",
        "from_email",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "sent_at",
    )

    @admin.display(description=_("to"))
    def recipients(self, obj: OutboxMail) -> str:
        return ", ".join(obj.to)

    @admin.display(description=_("last error"))
    def error(self, obj: OutboxMail) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.action(description=_("Retry delivery of the selected mail"), permissions=["change"])
    def retry_delivery(self, request: HttpRequest, queryset: QuerySet[OutboxMail]) -> None:
        mails = list(queryset)
        retried = sum(retry_mail(mail) for mail in mails)
        skipped = len(mails) - retried
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d mail queued again; the worker sends it within seconds.",
                    "%(count)d mails queued again; the worker sends them within seconds.",
                    retried,
                )
                % {"count": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d mail skipped: already sent or being sent.",
                    "%(count)d mails skipped: already sent or being sent.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMail | None = None) -> bool:
        """A mail is never edited (its page is read-only: a save there could undo what the
        worker just recorded); the change permission is what the retry action needs."""
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)
