"""Forms of the security-key pages: validation of the fields only; flows verify the keys."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A registration or assertion response is a few kilobytes and nests three levels deep
# (credential → response / clientExtensionResults → credProps); anything far larger or deeper
# is refused *before* JSON parsing, so hostile input ("[" × 60,000) never reaches the parser's
# recursion. Such input is answered with 400 (see ``is_hostile``).
CREDENTIAL_MAX_LENGTH = 64 * 1024
CREDENTIAL_MAX_DEPTH = 8
NAME_MAX_LENGTH = 64
HOSTILE_CODES = ("too_large", "too_deep")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when ``text`` nests arrays/objects deeper than ``limit`` (strings skipped).

    One linear pass, no recursion: safe on any input of bounded size.
    """
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def is_hostile(form) -> bool:
    """The form's ``credential`` was refused for size or depth: answer 400, not 200."""
    return any(form.has_error("credential", code) for code in HOSTILE_CODES)


class AnswerInput(forms.HiddenInput):
    """Never echoes a posted answer: each try needs a fresh ceremony over a fresh challenge."""

    def format_value(self, value):
        return None


class CredentialField(forms.CharField):
    """The browser's ``PublicKeyCredential``, serialised to JSON by static/js/webauthn.js."""

    default_error_messages = {
        "invalid_json": _("Your browser sent an unreadable answer. Please try again."),
        "too_large": _("Your browser sent an answer far too large to be a security key's."),
        "too_deep": _("Your browser sent an answer nested far too deep to be a security key's."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", AnswerInput)
        kwargs.setdefault("max_length", CREDENTIAL_MAX_LENGTH)
        kwargs.setdefault(
            "error_messages",
            {"required": _("Use your key first: your browser did not send its answer.")},
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        if len(value) > CREDENTIAL_MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        if json_depth_exceeds(value, CREDENTIAL_MAX_DEPTH):
            raise forms.ValidationError(self.error_messages["too_deep"], code="too_deep")
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
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
        kwargs.setdefault("label", pgettext_lazy("security key", "Name"))
        kwargs.setdefault("help_text", _("So you can tell your keys apart, e.g. “Blue YubiKey”."))
        super().__init__(**kwargs)


class AddKeyForm(forms.Form):
    name = KeyNameField(widget=forms.TextInput(attrs={"autofocus": True}))
    passwordless = forms.BooleanField(
        required=False,
        label=_("Use it as a passkey: sign in with this key alone, without a password"),
        help_text=_("The key will ask for your PIN, fingerprint or face each time."),
    )
    credential = CredentialField()


class RenameKeyForm(forms.Form):
    name = KeyNameField()


class CredentialForm(forms.Form):
    """Passkey login, second step and reauthentication: just the key's answer."""

    credential = CredentialField()
