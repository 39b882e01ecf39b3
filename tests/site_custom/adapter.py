"""Adapters of the test site: closed signup, a blocked domain, and an extra field saved."""

from django import forms

from accounts.adapter import DefaultAccountAdapter
from accounts.mfa.adapter import DefaultMFAAdapter


class ClosedAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False


class PolicyAdapter(DefaultAccountAdapter):
    """Refuses one domain, stores the signup form's ``nickname`` as the first name, and
    sends users to their email page after login."""

    def clean_email(self, email):
        if email.lower().endswith("@blocked.example"):
            raise forms.ValidationError("Addresses at blocked.example are not accepted.")
        return email

    def populate_user(self, request, user, data):
        user = super().populate_user(request, user, data)
        user.first_name = data.get("nickname", "")
        return user

    def get_login_redirect_url(self, request):
        return "/accounts/email/"


class LabelledMFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self):
        return "Example Corp"

    def get_totp_label(self, user):
        return f"{user.get_username()}@example-corp"
