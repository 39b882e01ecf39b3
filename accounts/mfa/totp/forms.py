"""The form proving a new authenticator app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.mfa.base.forms import CODE_MAX_LENGTH
from accounts.mfa.totp import auth as totp


class ActivateTOTPForm(forms.Form):
    """Proves the pending seed: the code must match it within the allowed window."""

    error_messages = {
        "incorrect_code": _("Incorrect code. Check the time on your device and retry.")
    }

    code = forms.CharField(
        label=_("Code from your app"),
        max_length=CODE_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "placeholder": "123456"}
        ),
    )

    def __init__(self, *args, secret, **kwargs):
        self.secret = secret
        self.step = None
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"]
        step = totp.matching_step(self.secret, code)
        if step is None:
            raise forms.ValidationError(
                self.error_messages["incorrect_code"], code="incorrect_code"
            )
        self.step = step
        return code
