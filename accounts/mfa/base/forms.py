"""Second-factor forms: validation only; the flows check codes against the database."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.internal.conf import get_form_class as _get_form_class
from accounts.mfa import app_settings

CODE_MAX_LENGTH = 64


class CodeForm(forms.Form):
    """A TOTP or recovery code, as typed. Whether it is right is the flow's business."""

    code = forms.CharField(
        label=pgettext_lazy("one-time code", "Code"),
        max_length=CODE_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "placeholder": "123456",
            }
        ),
        help_text=_("The 6-digit code from your authenticator app, or an 8-digit recovery code."),
    )


def get_form_class(name: str, default: type) -> type:
    """The form for ``name``: ``MFA_FORMS`` overrides the default (allauth's names)."""
    return _get_form_class(app_settings.FORMS, "MFA_FORMS", name, default)
