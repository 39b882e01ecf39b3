"""The form of the sessions page: end one chosen session, or all the others."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.usersessions.models import UserSession


class EndSessionsForm(forms.Form):
    """POST ``session`` (the pk of one of the user's *other* sessions) ends that one.

    A POST without the field ends all other sessions. The choices are limited to the user's
    own records minus the current one, so another user's id is simply not a valid choice.
    """

    session = forms.ModelChoiceField(
        queryset=UserSession.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("That session does not exist or has already ended.")},
    )

    def __init__(self, *args, user, current_session_key, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        field.queryset = UserSession.objects.filter(user=user).exclude(
            session_key=current_session_key
        )
        field.required = "session" in self.data

    @property
    def names_unknown_session(self):
        """The posted id is not one of the user's other sessions (someone else's, or gone)."""
        return self.has_error("session", code="invalid_choice")
