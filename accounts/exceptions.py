"""The one refusal type of every flow, and the rate-limit refusal.

A flow that will not do what was asked raises :class:`FlowError` (a ``ValidationError``, so a
view shows it with ``error.add_to(form)``, and the JSON API as an error of its
envelope) with a stable ``code`` and the HTTP ``status`` to answer with. Nothing else travels
from a flow to a view: no attributes on forms or requests, no bespoke exceptions per module.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class FlowError(ValidationError):
    """A flow refused the request; ``code`` says why, ``status`` the status of the page that
    shows the refusal (200 like any form error, 429 for a rate limit, 409 for a conflict)."""

    status = 200
    field: str | None = None

    def __init__(
        self,
        message: Any,
        *,
        code: str,
        status: int | None = None,
        field: str | None = None,
        params=None,
    ):
        super().__init__(message, code=code, params=params)
        if status is not None:
            self.status = status
        if field is not None:
            self.field = field

    def add_to(self, form) -> int:
        """Show the refusal on ``form`` (under its field, if any); return the status."""
        form.add_error(self.field if self.field in form.fields else None, self)
        return self.status


class RateLimited(FlowError):
    """A budget is used up (``rate_limited`` was sent); the answer is 429.

    ``action`` is the rate-limit action refused, ``user`` the account aimed at (or None).
    """

    status = 429

    def __init__(self, message: Any = None, *, action: str, user=None, code="too_many_attempts"):
        super().__init__(message or DEFAULT_MESSAGE, code=code)
        self.action = action
        self.user = user


DEFAULT_MESSAGE = _("Too many attempts. Please wait a few minutes, then try again.")
