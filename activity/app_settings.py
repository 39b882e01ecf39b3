"""Every ``ACTIVITY_*`` setting: one property, one default, one type."""

from __future__ import annotations

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


_app_settings = AppSettings("ACTIVITY_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
