"""Form fields shared by the account forms."""

from django import forms

PASSWORD_MAX_LENGTH = 4096


class PasswordField(forms.CharField):
    """A password input: never stripped, bounded, with the right ``autocomplete``."""

    def __init__(self, *args, autocomplete="current-password", **kwargs):
        kwargs.setdefault("strip", False)
        kwargs.setdefault("max_length", PASSWORD_MAX_LENGTH)
        kwargs.setdefault("widget", forms.PasswordInput(attrs={"autocomplete": autocomplete}))
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        # No maxlength attribute: password managers and long passphrases must not be cut.
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class NewPasswordField(PasswordField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("autocomplete", "new-password")
        super().__init__(*args, **kwargs)
