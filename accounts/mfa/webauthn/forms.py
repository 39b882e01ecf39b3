"""Forms of the security-key pages: validation of the fields only; flows verify the keys."""

import json

from django import forms

# A registration or assertion response is a few kilobytes; anything far larger is refused
# before JSON parsing.
CREDENTIAL_MAX_LENGTH = 64 * 1024
NAME_MAX_LENGTH = 64


class AnswerInput(forms.HiddenInput):
    """Never echoes a posted answer: each try needs a fresh ceremony over a fresh challenge."""

    def format_value(self, value):
        return None


class CredentialField(forms.CharField):
    """The browser's ``PublicKeyCredential``, serialised to JSON by static/js/webauthn.js."""

    default_error_messages = {
        "invalid_json": "Your browser sent an unreadable answer. Please try again.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", AnswerInput)
        kwargs.setdefault("max_length", CREDENTIAL_MAX_LENGTH)
        kwargs.setdefault(
            "error_messages",
            {"required": "Use your key first: your browser did not send its answer."},
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise forms.ValidationError(self.error_messages["invalid_json"], code="invalid_json")
        return parsed

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class KeyNameField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        kwargs.setdefault("label", "Name")
        kwargs.setdefault("help_text", "So you can tell your keys apart, e.g. “Blue YubiKey”.")
        super().__init__(**kwargs)


class AddKeyForm(forms.Form):
    name = KeyNameField(widget=forms.TextInput(attrs={"autofocus": True}))
    passwordless = forms.BooleanField(
        required=False,
        label="Use it as a passkey: sign in with this key alone, without a password",
        help_text="The key will ask for your PIN, fingerprint or face each time.",
    )
    credential = CredentialField()


class RenameKeyForm(forms.Form):
    name = KeyNameField()


class CredentialForm(forms.Form):
    """Passkey login, second step and reauthentication: just the key's answer."""

    credential = CredentialField()
