"""Each person's language and time zone, for pages and for mail.

A visitor's language comes from ``LocaleMiddleware`` (their choice in the language cookie, then
``Accept-Language``); a signed-in user's remembered choice (``User.language``) wins over both, and
their time zone (``User.timezone``, detected by the browser, changeable on the preferences page)
is the one every time is shown in. Mail is rendered inside :func:`override_for_user`, so it goes
out in the recipient's language and zone, whoever or whatever (a request, the task worker) sends it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.utils import timezone, translation


def supported_language(code: str | None) -> str | None:
    """``code`` reduced to one of ``LANGUAGES`` (``de-at`` → ``de``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_timezone(name: str | None) -> str | None:
    """``name`` if it is an IANA zone this machine knows, else None (cookies are user input)."""
    if name and name in _zone_names():
        return name
    return None


def user_language(user) -> str:
    """The language to write to ``user`` in: their choice, else the site's default."""
    return supported_language(getattr(user, "language", None)) or settings.LANGUAGE_CODE


def user_timezone(user) -> str:
    """The zone to show ``user`` times in: theirs, else the site's (``TIME_ZONE``)."""
    return valid_timezone(getattr(user, "timezone", None)) or settings.TIME_ZONE


@contextmanager
def override_for_user(user) -> Iterator[None]:
    """Render (mail, notices) in ``user``'s language and time zone; ``None`` keeps the current.

    A user who has not chosen a language yet (blank ``User.language``: accounts made before
    languages were remembered, or by staff) is written to in the current one, i.e. the language
    of the request that sends the mail, as ``User.language`` documents; the worker never renders
    (it sends what was rendered in the request), so this is never a worker's default by accident.
    """
    if user is None:
        yield
        return
    language = supported_language(getattr(user, "language", None)) or translation.get_language()
    with (
        translation.override(language or settings.LANGUAGE_CODE),
        timezone.override(user_timezone(user)),
    ):
        yield
