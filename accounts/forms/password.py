"""Password forms: change, set, reset request and reset from key. Validation only."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms.fields import NewPasswordField, PasswordField

_password_help_text = lazy(password_validation.password_validators_help_text_html, str)()


class NewPasswordMixin:
    """``password1`` / ``password2``: equal, and accepted by Django's validators for the user.

    The fields are bounded (4096 characters) and refuse NUL bytes, so absurd input is a form
    error before anything reaches the hasher.
    """

    new_password_messages = {"password_mismatch": _("The two password fields didn't match.")}

    def clean_new_password(self, cleaned, user):
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if not password1 or not password2:
            return
        if password1 != password2:
            self.add_error(
                "password2",
                forms.ValidationError(
                    self.new_password_messages["password_mismatch"], code="password_mismatch"
                ),
            )
            return
        try:
            password_validation.validate_password(password1, user)
        except forms.ValidationError as error:
            self.add_error("password1", error)


class ChangePasswordForm(NewPasswordMixin, forms.Form):
    """The current password, then the new one twice."""

    error_messages = {"incorrect_password": _("Please type your current password.")}

    oldpassword = PasswordField(label=_("Current password"))
    password1 = NewPasswordField(label=_("New password"), help_text=_password_help_text)
    password2 = NewPasswordField(label=_("New password (again)"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].widget.attrs["autofocus"] = True

    def clean_oldpassword(self):
        oldpassword = self.cleaned_data["oldpassword"]
        if not self.user.check_password(oldpassword):
            raise forms.ValidationError(
                self.error_messages["incorrect_password"], code="incorrect_password"
            )
        return oldpassword

    def clean(self):
        cleaned = super().clean()
        self.clean_new_password(cleaned, self.user)
        return cleaned


class SetPasswordForm(NewPasswordMixin, forms.Form):
    """A first password for a user who has none (no current password to ask for)."""

    password1 = NewPasswordField(label=_("Password"), help_text=_password_help_text)
    password2 = NewPasswordField(label=_("Password (again)"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].widget.attrs["autofocus"] = True

    def clean(self):
        cleaned = super().clean()
        self.clean_new_password(cleaned, self.user)
        return cleaned


class ResetPasswordForm(forms.Form):
    """The address to mail a reset link to (the flow budgets the request)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ResetPasswordKeyForm(SetPasswordForm):
    """The new password for the user the (already checked) reset key belongs to."""

    password1 = NewPasswordField(label=_("New password"), help_text=_password_help_text)
    password2 = NewPasswordField(label=_("New password (again)"))
