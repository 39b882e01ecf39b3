from django import forms

from accounts.forms.auth import SignupForm


class NameSignupForm(SignupForm):
    """The default signup form plus a required nickname."""

    nickname = forms.CharField(max_length=30)
