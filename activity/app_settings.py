"""Every ``ACTIVITY_*`` setting: one property, one default, one type."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accounts.internal.conf import AppSettingsBase


class AppSettings(AppSettingsBase):
    @property
    def TRIAL_ON_EMAIL_CONFIRMED(self) -> bool:
        """Start a trial when a user's primary address is first confirmed."""
        return self._bool("TRIAL_ON_EMAIL_CONFIRMED", True)

    @property
    def TRIAL_DAYS(self) -> int:
        """How long a trial lasts, in days."""
        return self._int("TRIAL_DAYS", 30, minimum=1)

    @property
    def DIGEST_KEY(self) -> str:
        """The HMAC key that signs the audit digests (``manage.py seal_activity``).

        Kept apart from ``SECRET_KEY`` (and out of the database): whoever can rewrite the logs
        and the digests still cannot sign a forged chain. Empty: sealing is off.
        """
        key = self._str("DIGEST_KEY", "")
        if key and key == settings.SECRET_KEY:
            raise ImproperlyConfigured("ACTIVITY_DIGEST_KEY must not be the SECRET_KEY.")
        return key

    @property
    def DIGEST_INTERVAL(self) -> int:
        """Seconds between two digests (how often ``seal_activity`` runs, e.g. from cron);
        ``verify_activity`` reports a chain whose last digest is 3 intervals old."""
        return self._int("DIGEST_INTERVAL", 600, minimum=60)

    @property
    def DIGEST_SETTLE(self) -> int:
        """Seconds a row must be old before it is sealed: ids are taken before commit, so a
        digest leaves the last moments to transactions still in flight."""
        return self._int("DIGEST_SETTLE", 60, minimum=0)

    @property
    def SINKS(self) -> tuple[dict, ...]:
        """Where audit events are streamed (off by default: none). Each a dict:

        - ``{"name": "file", "type": "file", "path": "/var/log/site/audit.jsonl"}``
        - ``{"name": "syslog", "type": "syslog", "address": "127.0.0.1:514",
          "protocol": "udp" | "tcp"}`` (RFC 5424, facility auth; ``address`` may be a Unix
          socket path such as ``/dev/log``)
        - ``{"name": "siem", "type": "webhook", "url": "https://...", "secret": "..."}``
          (Standard Webhooks signature)

        ``schema``: ``"ocsf"`` (default) or ``"ecs"``.
        """
        value = self._setting("SINKS", ())
        if not isinstance(value, list | tuple):
            raise self._fail("SINKS", value, "a list of dicts")
        required = {"file": ("path",), "syslog": ("address",), "webhook": ("url", "secret")}
        names = set()
        for sink in value:
            if not isinstance(sink, dict) or sink.get("type") not in required:
                raise self._fail("SINKS", sink, "dicts whose type is file, syslog or webhook")
            missing = [key for key in ("name", *required[sink["type"]]) if not sink.get(key)]
            if missing or sink["name"] in names or len(str(sink["name"])) > 50:
                raise self._fail("SINKS", sink, f"a unique name (50 chars) and {missing}")
            if sink.get("schema", "ocsf") not in ("ocsf", "ecs"):
                raise self._fail("SINKS", sink, 'schema "ocsf" or "ecs"')
            names.add(sink["name"])
        return tuple(value)


_app_settings = AppSettings("ACTIVITY_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
