"""Admin: provider apps (secret typed in, stored encrypted, never shown), social accounts
(read-only data) and tokens (never shown)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.socialaccount.adapter import get_adapter
from accounts.socialaccount.models import SocialAccount, SocialApp, SocialToken


class SocialAppForm(forms.ModelForm):
    new_secret = forms.CharField(
        label=_("Secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted. Leave empty to keep the current secret."),
    )

    class Meta:
        model = SocialApp
        fields = ("provider", "provider_id", "name", "client_id", "settings")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("provider") == SocialApp.Provider.OPENID_CONNECT:
            if not cleaned.get("provider_id"):
                self.add_error("provider_id", _("OpenID Connect apps need a provider id."))
            if not (cleaned.get("settings") or {}).get("server_url"):
                self.add_error(
                    "settings",
                    _("OpenID Connect apps need %(example)s in their settings.")
                    % {"example": '{"server_url": ...}'},
                )
        return cleaned

    def save(self, commit=True):
        app = super().save(commit=False)
        if self.cleaned_data.get("new_secret"):
            app.secret = get_adapter().encrypt(self.cleaned_data["new_secret"])
        if commit:
            app.save()
        return app


@admin.register(SocialApp)
class SocialAppAdmin(admin.ModelAdmin):
    form = SocialAppForm
    list_display = ("name", "provider", "provider_id", "client_id")
    list_filter = ("provider",)


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "provider", "uid", "last_login", "date_joined")
    list_filter = ("provider",)
    search_fields = ("uid", "user__username", "user__email")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("provider", "uid", "extra_data", "last_login", "date_joined")


@admin.register(SocialToken)
class SocialTokenAdmin(admin.ModelAdmin):
    list_display = ("account", "app", "expires_at")
    raw_id_fields = ("account",)
    # Tokens act for the user at the provider: never shown, not even encrypted.
    exclude = ("token", "token_secret")
    readonly_fields = ("account", "app", "expires_at")

    def has_add_permission(self, request):
        return False
