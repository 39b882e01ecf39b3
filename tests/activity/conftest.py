"""Helpers for testing what the activity app records, over HTTP or by sending a signal.

Reusable by every flow's tests:

- ``audit``: remembers the last row of each log table; after an action, ``audit.new(Model)``
  lists the rows written since, ``audit.events()`` the ``(model, event)`` pairs, and
  ``audit.assert_one(Model, event=..., **fields)`` checks that exactly one row of that model
  was written and that it has those fields; ``audit.one(Model, event, **fields)`` the same for
  the rows of one event when a flow writes several. ``audit.mark()`` starts a new window.
- ``BROWSER`` (client defaults) and ``FROM_BROWSER`` (the row fields they give): a browser with
  a known IP and user agent, to check that both reach the rows.
- ``signal_request(user=None, **meta)``: a RequestFactory request with a saved session (as
  the flows have), ``REMOTE_ADDR`` and a user agent, for sending a signal directly.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Max

from tests.helpers.audit import (  # noqa: F401  (re-exported for the tests here)
    BROWSER,
    FROM_BROWSER,
    LOG_MODELS,
    TEST_AGENT,
    TEST_IP,
    count_queries,
    session_queries,
)


class AuditRecorder:
    def __init__(self):
        self.mark()

    def mark(self):
        self._since = {
            model: model._base_manager.aggregate(top=Max("pk"))["top"] or 0 for model in LOG_MODELS
        }

    def new(self, model):
        return list(model._base_manager.filter(pk__gt=self._since[model]).order_by("pk"))

    def events(self):
        """Every row written since the mark, as ``(model name, event)`` pairs, in order."""
        return [(model.__name__, row.event) for model in LOG_MODELS for row in self.new(model)]

    def assert_one(self, model, **fields):
        """Exactly one new ``model`` row, with ``fields``; returns it."""
        rows = self.new(model)
        assert len(rows) == 1, f"expected one new {model.__name__}, got {self.events()}"
        row = rows[0]
        actual = {name: getattr(row, name) for name in fields}
        assert actual == fields
        return row

    def one(self, model, event, **fields):
        """Exactly one new ``model`` row of ``event`` (others may exist), with ``fields``."""
        rows = [row for row in self.new(model) if row.event == event]
        assert len(rows) == 1, f"expected one {model.__name__} {event!r}, got {self.events()}"
        actual = {name: getattr(rows[0], name) for name in fields}
        assert actual == fields
        return rows[0]

    def assert_none(self):
        assert self.events() == []


@pytest.fixture
def audit(db):
    return AuditRecorder()


@pytest.fixture
def signal_request(rf, db):
    def make(user=None, path="/accounts/x/", method="post", **meta):
        meta.setdefault("REMOTE_ADDR", TEST_IP)
        meta.setdefault("HTTP_USER_AGENT", TEST_AGENT)
        request = getattr(rf, method)(path, **meta)
        request.session = SessionStore()
        request.session.save()
        request.user = user if user is not None else AnonymousUser()
        return request

    return make
