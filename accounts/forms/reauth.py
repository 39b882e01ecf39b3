"""Reauthentication with the password: the field only (the flow checks it)."""

from django import forms

from accounts.forms.fields import PasswordField


class ReauthenticateForm(forms.Form):
    password = PasswordField()

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
