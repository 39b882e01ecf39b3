from django import forms

from accounts.forms.fields import PasswordField


class ReauthenticateForm(forms.Form):
    error_messages = {"incorrect_password": "Incorrect password."}

    password = PasswordField()

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                self.error_messages["incorrect_password"], code="incorrect_password"
            )
        return password
