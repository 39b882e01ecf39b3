from django.contrib import admin

from accounts.mfa.base.flows import remove_authenticator_by_staff
from accounts.mfa.models import Authenticator


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
