"""Signup and login forms: validation only; the flows do the work."""

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models.functions import Lower

from accounts import ratelimit
from accounts.forms.fields import NewPasswordField, PasswordField
from accounts.models import EmailAddress, User
from accounts.users import find_user_by_login, normalize_login
from accounts.validators import (
    username_skeleton,
    validate_username_not_reserved,
    validate_username_single_script,
)


class RateLimited(forms.ValidationError):
    """A budget is used up; the view answers 429.

    ``action`` is the rate-limit action refused, ``user`` the account aimed at (or None).
    Raised in ``clean()`` it becomes a form error like any other, so the form also keeps it
    in ``form.rate_limited`` for the view to see.
    """

    def __init__(self, message, *, code="rate_limited", action=None, user=None):
        super().__init__(message, code=code)
        self.action = action
        self.user = user


class SignupForm(forms.Form):
    error_messages = {
        "username_taken": "A user with that username already exists.",
        "email_taken": "A user is already registered with this email address.",
        "password_mismatch": "The two password fields didn't match.",
    }

    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @/./+/-/_ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = NewPasswordField(label="Password")
    password2 = NewPasswordField(label="Password (again)")

    def clean_username(self):
        username = User.normalize_username(self.cleaned_data["username"])
        validate_username_not_reserved(username)
        validate_username_single_script(username)
        # "ape" spelt in Cyrillic is taken when "ape" exists: one skeleton, one account.
        lookalike = username_skeleton(username)
        if User.objects.filter(username__iexact=username).exists() or (
            lookalike != username.casefold()
            and User.objects.filter(username__iexact=lookalike).exists()
        ):
            raise forms.ValidationError(
                self.error_messages["username_taken"], code="username_taken"
            )
        return username

    def clean_email(self):
        """A verified address of another account is refused, except in mandatory mode.

        In mandatory-verification mode nothing says whether an address has an account (no
        enumeration): the form is valid and the signup flow mails the owner instead.
        """
        email = self.cleaned_data["email"]
        taken = (
            EmailAddress.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower=email.lower(), verified=True)
            .exists()
        )
        if taken and settings.ACCOUNT_EMAIL_VERIFICATION != "mandatory":
            raise forms.ValidationError(self.error_messages["email_taken"], code="email_taken")
        return email

    def clean(self):
        cleaned = super().clean()
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
    """Username-or-email login. One generic error for every failure (no enumeration)."""

    error_messages = {
        "invalid_login": "The username/email and password you entered do not match.",
        "too_many_attempts": (
            "Too many failed login attempts. Try again in a few minutes, or reset your password."
        ),
    }

    login = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = PasswordField()
    remember = forms.BooleanField(label="Remember me", required=False)

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        self.inactive_user = None
        self.rate_limited = None
        # Failed attempts on the account just before a right password (see B11 notices).
        self.failed_attempts = 0
        super().__init__(*args, **kwargs)

    def clean(self):
        """Check the password once the account's budgets allow one more try.

        The attempt is counted *before* the hasher runs (so parallel requests cannot all
        slip through a nearly used budget) and given back when the password was right. The
        per-account key is the resolved account, so ``alice`` and ``alice@example.com``
        share one budget; an unknown login gets a budget of its own typed value, and the
        refusal reads the same, so a lockout says nothing about whether an account exists.
        """
        cleaned = super().clean()
        login, password = cleaned.get("login"), cleaned.get("password")
        if self.errors or not login or not password:
            return cleaned
        login = normalize_login(login)
        cleaned["login"] = login
        account = find_user_by_login(login, request=self.request)
        account_key = f"user:{account.pk}" if account else f"login:{login.lower()}"
        if not ratelimit.consume(self.request, "login_failed", key=account_key):
            self.rate_limited = RateLimited(
                self.error_messages["too_many_attempts"],
                code="too_many_attempts",
                action="login_failed",
                user=account,
            )
            raise self.rate_limited
        user = authenticate(self.request, username=login, password=password)
        if user is None:
            inactive = getattr(self.request, "inactive_login_user", None)
            if inactive is not None and inactive == account:
                # The right password: not a failure (the page says the account is inactive).
                ratelimit.rollback(self.request, "login_failed", key=account_key)
                self.inactive_user = inactive
                return cleaned
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        ratelimit.rollback(self.request, "login_failed", key=account_key)
        self.failed_attempts = ratelimit.count(
            self.request, "login_failed", key=account_key, per="key"
        )
        ratelimit.clear(self.request, "login_failed", key=account_key)
        self.user = user
        return cleaned
