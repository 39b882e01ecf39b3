from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from accounts.flows.delete_account import delete_account_now
from accounts.flows.invitations import create_invitation
from accounts.flows.manage_email import Verification, verify_address
from accounts.models import AccountDeletion, EmailAddress, Invitation, User
from accounts.usersessions.flows import end_all_sessions_by_staff


class UserCreationAdminForm(AdminUserCreationForm):
    """Staff create accounts with a username, an address, or both (email-only sites)."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        field_classes = {"username": forms.CharField}

    def clean_username(self):
        return User.normalize_username(self.cleaned_data.get("username") or "") or None

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("username") and not cleaned.get("email"):
            raise forms.ValidationError(_("Give a username or an email address."))
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationAdminForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("username", "email", "is_active", "is_staff", "date_joined", "last_login")
    search_fields = ("username", "email")
    actions = ["end_all_sessions", "delete_accounts_now"]

    @admin.action(description=_lazy("End all sessions"), permissions=["change"])
    def end_all_sessions(self, request, queryset):
        """Sign the selected users out everywhere, now (logged with the staff member as actor)."""
        count = sum(end_all_sessions_by_staff(request, user=user) for user in queryset)
        users = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Ended %(sessions)s of %(users)d user.",
                "Ended %(sessions)s of %(users)d users.",
                users,
            )
            % {
                "sessions": ngettext("%(count)d session", "%(count)d sessions", count)
                % {"count": count},
                "users": users,
            },
        )

    @admin.action(
        description=_lazy("Delete now (audited, no grace period)"), permissions=["delete"]
    )
    def delete_accounts_now(self, request, queryset):
        """Delete the selected accounts at once, with ``account_deleted`` (staff as actor)."""
        users = [user for user in queryset if user.pk != request.user.pk]
        for user in users:
            delete_account_now(request, user=user, actor=request.user)
        self.message_user(
            request,
            ngettext("Deleted %(count)d account.", "Deleted %(count)d accounts.", len(users))
            % {"count": len(users)},
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        """The admin's own delete page deletes through the flow too (``account_deleted``
        with the staff member as actor), so no deletion escapes the audit trail."""
        delete_account_now(request, user=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            delete_account_now(request, user=user, actor=request.user)


@admin.register(EmailAddress)
class EmailAddressAdmin(admin.ModelAdmin):
    list_display = ("email", "user", "verified", "primary")
    list_filter = ("verified", "primary")
    search_fields = ("email", "user__username")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    actions = ["mark_verified"]

    @admin.action(description=_lazy("Mark selected addresses as verified"), permissions=["change"])
    def mark_verified(self, request, queryset):
        """Verify through the flow, so ``email_confirmed`` is sent with the admin's request."""
        results = [verify_address(request, email_address=a) for a in queryset.order_by("pk")]
        done = results.count(Verification.CONFIRMED)
        taken = results.count(Verification.TAKEN)
        self.message_user(
            request,
            ngettext(
                "%(count)d address marked as verified.",
                "%(count)d addresses marked as verified.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )
        if taken:
            self.message_user(
                request,
                ngettext(
                    "%(count)d address skipped: already verified by another account.",
                    "%(count)d addresses skipped: already verified by another account.",
                    taken,
                )
                % {"count": taken},
                messages.WARNING,
            )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Single-use signup links for a closed signup; the link is shown once, at creation."""

    list_display = (
        "__str__",
        "note",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
        "used_by",
    )
    list_filter = ("used_at", "expires_at")
    search_fields = ("email", "note")
    fields = ("email", "note", "created_by", "created_at", "expires_at", "used_at", "used_by")
    readonly_fields = ("created_by", "created_at", "expires_at", "used_at", "used_by")
    list_select_related = ("created_by", "used_by")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """A new invitation gets its key here (``invitation_created``, staff as actor)."""
        if change:
            return super().save_model(request, obj, form, change)
        _invitation, link = create_invitation(request, invitation=obj)
        self.message_user(
            request,
            _("Send this single-use signup link (shown only now): %(link)s") % {"link": link},
            messages.SUCCESS,
        )


@admin.register(AccountDeletion)
class AccountDeletionAdmin(admin.ModelAdmin):
    """Accounts awaiting deletion (``purge_deleted_accounts`` removes them after the grace
    period). Read-only: to delete at once, use the users' "Delete now" action."""

    list_display = ("user", "requested_at", "purge_after")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    ordering = ("purge_after",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
