"""Signup and login forms: validation only; the flows do the work."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from accounts import app_settings
from accounts.adapter import get_adapter
from accounts.app_settings import EmailVerification
from accounts.forms.fields import NewPasswordField, PasswordField
from accounts.forms.policies import (
    clean_signup_policies,
    configure_login_form,
    configure_signup_form,
)
from accounts.models import EmailAddress, User


class SignupForm(forms.Form):
    error_messages = {
        "username_taken": _("A user with that username already exists."),
        "email_taken": _("A user is already registered with this email address."),
        "password_mismatch": _("The two password fields didn't match."),
    }

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
    password1 = NewPasswordField(label=_("Password"))
    password2 = NewPasswordField(label=_("Password (again)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        configure_signup_form(self)  # ACCOUNT_SIGNUP_FIELDS, the honeypot

    def clean_username(self):
        """NFKC-normalised, then the adapter's rules (reserved names, lookalikes, taken)."""
        username = User.normalize_username(self.cleaned_data["username"])
        if not username:  # an optional username left empty
            return ""
        return get_adapter().clean_username(username)

    def clean_email(self):
        """A verified address of another account is refused only when
        ``ACCOUNT_PREVENT_ENUMERATION`` allows saying so: ``False``, or ``True`` outside
        mandatory verification. Otherwise the form is valid and the signup flow mails the
        owner instead (no enumeration)."""
        if not self.cleaned_data["email"]:  # an optional address left empty
            return ""
        email = get_adapter().clean_email(self.cleaned_data["email"])
        prevent = app_settings.PREVENT_ENUMERATION
        if prevent == "strict":
            return email
        if prevent is True and app_settings.EMAIL_VERIFICATION == EmailVerification.MANDATORY:
            return email
        if EmailAddress.objects.matching(email).filter(verified=True).exists():
            raise forms.ValidationError(self.error_messages["email_taken"], code="email_taken")
        return email

    def clean(self):
        cleaned = super().clean()
        clean_signup_policies(self, cleaned)
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                forms.ValidationError(
                    self.error_messages["password_mismatch"], code="password_mismatch"
                ),
            )
        elif password1:
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(forms.Form):
    """Username-or-email login: the fields only. The login flow checks the password, so the
    budget is spent before the hasher runs and every failure reads the same."""

    login = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = PasswordField(label=_("Password"))
    remember = forms.BooleanField(label=_("Remember me"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        configure_login_form(self)  # the label ACCOUNT_LOGIN_METHODS calls for
