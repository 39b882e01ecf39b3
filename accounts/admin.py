from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.flows.email import Verification, verify_address
from accounts.flows.mfa import remove_authenticator_by_staff
from accounts.flows.sessions import end_all_sessions_by_staff, end_session
from accounts.models import Authenticator, EmailAddress, User, UserSession


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_active", "is_staff", "date_joined", "last_login")
    search_fields = ("username", "email")
    actions = ["end_all_sessions"]

    @admin.action(description="End all sessions", permissions=["change"])
    def end_all_sessions(self, request, queryset):
        """Sign the selected users out everywhere, now (logged with the staff member as actor)."""
        count = sum(end_all_sessions_by_staff(request, user=user) for user in queryset)
        self.message_user(request, f"Ended {count} session(s) of {len(queryset)} user(s).")


@admin.register(EmailAddress)
class EmailAddressAdmin(admin.ModelAdmin):
    list_display = ("email", "user", "verified", "primary")
    list_filter = ("verified", "primary")
    search_fields = ("email", "user__username")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    actions = ["mark_verified"]

    @admin.action(description="Mark selected addresses as verified", permissions=["change"])
    def mark_verified(self, request, queryset):
        """Verify through the flow, so ``email_confirmed`` is sent with the admin's request."""
        results = [verify_address(request, email_address=a) for a in queryset.order_by("pk")]
        done = results.count(Verification.CONFIRMED)
        taken = results.count(Verification.TAKEN)
        self.message_user(request, f"{done} address(es) marked as verified.", messages.SUCCESS)
        if taken:
            self.message_user(
                request,
                f"{taken} address(es) skipped: already verified by another account.",
                messages.WARNING,
            )


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    exclude = ("data",)
    readonly_fields = ("user", "type", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        remove_authenticator_by_staff(request, authenticator=obj)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset.select_related("user"):
            remove_authenticator_by_staff(request, authenticator=authenticator)


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = ("user", "ip", "created_at", "last_seen_at")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    # The session key is as good as the session itself: never shown, not even to staff.
    exclude = ("session_key",)
    readonly_fields = ("user", "created_at", "last_seen_at", "ip", "user_agent")

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        """Deleting a record ends its session in the store too, not only the row."""
        end_session(request, record=obj)

    def delete_queryset(self, request, queryset):
        for record in queryset.select_related("user"):
            end_session(request, record=record)
