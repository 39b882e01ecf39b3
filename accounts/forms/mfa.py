"""Second-factor forms: validation only; the flows check codes against the database."""

from django import forms

from accounts import totp

CODE_MAX_LENGTH = 64


class CodeForm(forms.Form):
    """A TOTP or recovery code, as typed. Whether it is right is the flow's business."""

    error_messages = {
        "incorrect_code": "Incorrect code.",
        "too_many_attempts": "Too many wrong codes. Wait a few minutes, then try again.",
    }

    code = forms.CharField(
        label="Code",
        max_length=CODE_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "placeholder": "123456",
            }
        ),
        help_text="The 6-digit code from your authenticator app, or an 8-digit recovery code.",
    )

    def add_code_error(self, code):
        self.add_error("code", forms.ValidationError(self.error_messages[code], code=code))


class ActivateTOTPForm(forms.Form):
    """Proves the pending seed: the code must match it within the allowed window."""

    error_messages = {"incorrect_code": "Incorrect code. Check the time on your device and retry."}

    code = forms.CharField(
        label="Code from your app",
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
