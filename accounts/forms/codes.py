"""Forms of the mailed-code flows (allauth's field names: ``email``, ``code``)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RequestLoginCodeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ConfirmCodeForm(forms.Form):
    """A mailed code as typed; whether it is right is the flow's business."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX",
            }
        ),
    )


class ConfirmLoginCodeForm(ConfirmCodeForm):
    pass
