"""Every ``OUTBOX_*`` setting of the mail outbox: one property, one default, one type.

Read at call time, so ``override_settings`` works; ``accounts/outbox/checks.py`` reports
invalid values at start-up.
"""

from __future__ import annotations

from accounts.internal.conf import AppSettingsBase


class AppSettings(AppSettingsBase):
    @property
    def MAX_ATTEMPTS(self) -> int:
        """Tries (the one right after the commit included) before a mail is given up on and
        left to staff in the admin."""
        return self._int("MAX_ATTEMPTS", 10, minimum=1)

    @property
    def RETRY_DELAY(self) -> int:
        """Seconds before the first retry; each further retry waits twice as long."""
        return self._int("RETRY_DELAY", 60, minimum=1)

    @property
    def RETRY_MAX_DELAY(self) -> int:
        """The longest wait, in seconds, between two tries."""
        return self._int("RETRY_MAX_DELAY", 60 * 60, minimum=1)

    @property
    def CLAIM_TIMEOUT(self) -> int:
        """Seconds a sender owns a mail it is sending. Past them (the process died after the
        commit, or the mail server hung), the worker sends the mail instead; keep it well above
        ``EMAIL_TIMEOUT``."""
        return self._int("CLAIM_TIMEOUT", 10 * 60, minimum=1)

    @property
    def TASK_BACKEND(self) -> str:
        """The ``TASKS`` alias the retries are queued on (it must support ``run_after``)."""
        return self._str("TASK_BACKEND", "default") or "default"


_app_settings = AppSettings("OUTBOX_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
