"""Filters for mail templates: a time the recipient can place, whatever their zone.

Mail is rendered inside ``accounts.i18n.override_for_user``, so the current language and zone
are the recipient's; these filters only make the zone visible beside the time.
"""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def mail_time(moment: datetime | None) -> str:
    """``moment`` in the current (the recipient's) zone, with the zone named: "1 March 2031,
    09:05 UTC", "1 March 2031, 18:05 JST (Asia/Tokyo)". The IANA name is added when the
    abbreviation alone does not say the zone (most zones have none, only "+04")."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    # Translators: a date and time in mails, in Django's date format syntax
    # (https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date); keep "H:i" or "G:i".
    pattern = pgettext("mail date and time", "j F Y, H:i")
    text = date_format(moment, pattern)
    abbreviation = moment.tzname() or ""
    zone = timezone.get_current_timezone_name()
    if abbreviation:
        text = f"{text} {abbreviation}"
    if zone and zone != abbreviation:
        text = f"{text} ({zone})"
    return text
