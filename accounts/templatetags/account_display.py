"""Small display filters shared by the account pages."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(moment):
    """ "just now" for the last minute, else "3 hours, 2 minutes ago": Django's ``timesince``
    alone prints "0 minutes" right after a factor was used, which reads like a bug."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
