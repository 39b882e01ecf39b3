"""Social account forms: finishing a social signup, choosing an account to disconnect."""

from __future__ import annotations

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from accounts.adapter import get_adapter as get_account_adapter
from accounts.internal.conf import get_form_class as _get_form_class
from accounts.models import EmailAddress, User
from accounts.socialaccount import app_settings

ADDRESS_TAKEN = _(
    "An account already uses this address. If it is yours, sign in to it and connect "
    "%(provider)s from its “Connected accounts” page."
)


def get_form_class(name: str, default: type) -> type:
    return _get_form_class(app_settings.FORMS, "SOCIALACCOUNT_FORMS", name, default)


class SignupForm(forms.Form):
    """The username and address of the new account, prefilled from the provider."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args, sociallogin, request=None, **kwargs):
        self.sociallogin = sociallogin
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = User.normalize_username(self.cleaned_data["username"])
        return get_account_adapter(self.request).clean_username(username)

    def clean_email(self):
        email = get_account_adapter(self.request).clean_email(self.cleaned_data["email"])
        if EmailAddress.objects.matching(email).exists():
            raise forms.ValidationError(
                ADDRESS_TAKEN,
                code="email_taken",
                params={"provider": self.sociallogin.provider_name},
            )
        return email


class DisconnectForm(forms.Form):
    account = forms.ModelChoiceField(queryset=None, empty_label=None, label=_("social account"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = user.socialaccount_set.order_by("pk")
