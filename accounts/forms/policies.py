"""What the site's policies change in the signup and login forms.

``ACCOUNT_SIGNUP_FIELDS`` decides which signup fields exist and which are required,
``ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD`` adds a trap field for bots, and
``ACCOUNT_LOGIN_METHODS`` names the login field. Kept apart from the forms so that a site's
own subclasses (``ACCOUNT_FORMS``) get the same treatment through ``super().__init__``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import app_settings

LOGIN_LABELS = {
    frozenset({"username"}): (_("Username"), "username"),
    frozenset({"email"}): (_("Email"), "email"),
    frozenset({"username", "email"}): (_("Username or email"), "username"),
}


def configure_signup_form(form: forms.BaseForm) -> None:
    """Drop the fields the site does not ask for, set which are required, add ``email2``."""
    fields = app_settings.SIGNUP_FIELDS
    for name in ("username", "email", "password2"):
        if name not in fields:
            form.fields.pop(name, None)
        elif name in form.fields:
            form.fields[name].required = fields[name]["required"]
    if "email2" in fields:
        form.fields["email2"] = forms.EmailField(
            label=_("Email (again)"),
            max_length=254,
            required=fields["email2"]["required"],
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        )
    if "username" not in fields and "email" in form.fields:
        form.fields["email"].widget.attrs["autofocus"] = True
    form.order_fields(["username", "email", "email2", "password1", "password2"])
    add_honeypot(form)


def add_honeypot(form: forms.BaseForm) -> None:
    """allauth's honeypot: a field people never see (hidden by CSS, skipped by keyboard and
    password managers) but form-filling bots do fill in."""
    name = app_settings.SIGNUP_FORM_HONEYPOT_FIELD
    if name and name not in form.fields:
        form.fields[name] = forms.CharField(
            required=False,
            label=_("Leave this field empty"),
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "tabindex": "-1", "class": "account-honeypot"}
            ),
        )


def honeypot_filled(form: forms.BaseForm) -> bool:
    """Whether a bot filled the honeypot (the signup then pretends to succeed)."""
    name = app_settings.SIGNUP_FORM_HONEYPOT_FIELD
    return bool(name and form.data.get(form.add_prefix(name)))


def clean_signup_policies(form: forms.BaseForm, cleaned: dict) -> None:
    """Cross-field rules of the configured fields: a username or an address, and the
    repeated address matching."""
    if "email2" in form.fields:
        email, email2 = cleaned.get("email"), cleaned.get("email2")
        if email and (email2 or "").lower() != email.lower():
            form.add_error(
                "email2",
                forms.ValidationError(
                    _("You must type the same email each time."), code="email_mismatch"
                ),
            )
    if not cleaned.get("username") and not cleaned.get("email") and not form.errors:
        form.add_error(
            None,
            forms.ValidationError(
                _("Give a username or an email address."), code="username_or_email"
            ),
        )


def configure_login_form(form: forms.BaseForm) -> None:
    """Name the login field after ``ACCOUNT_LOGIN_METHODS``."""
    label, autocomplete = LOGIN_LABELS[app_settings.LOGIN_METHODS]
    field = form.fields.get("login")
    if field is not None:
        field.label = label
        field.widget.attrs["autocomplete"] = autocomplete
        if "username" not in app_settings.LOGIN_METHODS:
            field.widget.input_type = "email"
