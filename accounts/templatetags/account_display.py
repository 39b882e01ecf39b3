"""Small display filters shared by the account pages."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.devices import _families, describe_user_agent

register = template.Library()


@register.filter
def ago(moment):
    """ "just now" for the last minute, else "3 hours, 2 minutes ago": Django's ``timesince``
    alone prints "0 minutes" right after a factor was used, which reads like a bug."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(duration)s ago") % {"duration": timesince(moment)}


@register.filter
def browser(user_agent):
    """ "Firefox on Linux" for a user agent the parser knows; else the raw string (so nothing is
    lost for an odd client), or "unknown" when there is none."""
    if not user_agent:
        return pgettext("browser", "unknown")
    browser, system = _families(user_agent)
    if browser is None and system is None:
        return user_agent
    return describe_user_agent(user_agent)
