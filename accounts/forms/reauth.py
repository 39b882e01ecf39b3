"""Reauthentication with the password: the field only (the flow checks it)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms.fields import PasswordField


class ReauthenticateForm(forms.Form):
    password = PasswordField(label=_("Password"))

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
