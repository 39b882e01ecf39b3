"""Forms of the email-addresses page: choose one of *your* addresses, or add a new one."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from accounts import app_settings
from accounts.adapter import get_adapter
from accounts.models import EmailAddress


def user_addresses(user):
    """The user's addresses, primary first, then in the order they were added."""
    return EmailAddress.objects.filter(user=user).order_by("-primary", "pk")


class EmailAddressChoiceField(forms.ModelChoiceField):
    """Radio buttons whose value is the address string, as allauth's ``email`` field.

    The queryset is the requesting user's addresses only, so another account's address (or
    anything made up) is "not one of your addresses" and never reaches a flow.
    """

    widget = forms.RadioSelect

    def __init__(self, user, **kwargs):
        kwargs.setdefault("empty_label", None)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Choose one of your email addresses."),
                "invalid_choice": _("That is not one of your email addresses."),
            },
        )
        super().__init__(queryset=user_addresses(user), to_field_name="email", **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or len(value) > 254 or "\x00" in value:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        # Match the way addresses are unique (case-insensitively), not just the exact bytes.
        match = self.queryset.matching(value.strip()).first()
        if match is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return match

    def label_from_instance(self, obj):
        return obj.email


class EmailActionForm(forms.Form):
    """Resend verification / remove / make primary: which of the user's addresses."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = EmailAddressChoiceField(user, label=_("Email address"))


class AddEmailForm(forms.Form):
    """A new address for the user: well-formed, not already theirs, within the maximum.

    An address verified by *another* account is accepted here like any other (no different
    message, so the form does not reveal who owns what); it simply can never be confirmed.
    """

    error_messages = {
        "duplicate": _("This address is already on your account."),
        "too_many": ngettext_lazy(
            "You can have at most %(max)d email address. Remove one first.",
            "You can have at most %(max)d email addresses. Remove one first.",
            "max",
        ),
    }

    email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={
                "autocomplete": "email",
                "placeholder": pgettext_lazy("example email address", "you@example.com"),
            }
        ),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = get_adapter().clean_email(self.cleaned_data["email"])
        # One query for both checks (a user has a handful of addresses at most).
        addresses = [
            held.lower()
            for held in EmailAddress.objects.filter(user=self.user).values_list("email", flat=True)
        ]
        if email.lower() in addresses:
            raise forms.ValidationError(self.error_messages["duplicate"], code="duplicate")
        limit = app_settings.MAX_EMAIL_ADDRESSES
        if len(addresses) >= limit and not app_settings.CHANGE_EMAIL:  # change: one + pending
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": limit}
            )
        return email
