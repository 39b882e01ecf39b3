from django.contrib import admin

from accounts.usersessions.flows import end_session
from accounts.usersessions.models import UserSession


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
