"""The preferences form: the language and time zone the site and mail use for this user."""

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def _zone_choices():
    return [("", _("Detect from my browser"))] + [
        (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
    ]


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=lambda: [("", _("Follow my browser")), *settings.LANGUAGES],
        help_text=_("Pages and the mail we send you use this language."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=_zone_choices,
        help_text=_("Times on these pages and in our mail are shown in this zone."),
    )
