"""The ``state`` of an authorization request: random, bound to this browser's session, used
once, and dead after 10 minutes. It carries the PKCE verifier and the nonce, which therefore
never leave the server."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

STATES_SESSION_KEY = "socialaccount_states"
STATE_TIMEOUT = 10 * 60
MAX_PENDING_STATES = 5


def stash_state(request: HttpRequest, *, data: dict[str, Any]) -> dict[str, Any]:
    """A new state (with ``code_verifier`` and ``nonce``) kept in the session; returns it."""
    now = time.time()
    pending = {
        key: value
        for key, value in (request.session.get(STATES_SESSION_KEY) or {}).items()
        if isinstance(value, dict) and now - value.get("at", 0) <= STATE_TIMEOUT
    }
    while len(pending) >= MAX_PENDING_STATES:
        pending.pop(min(pending, key=lambda key: pending[key].get("at", 0)))
    state = {
        **data,
        "state": secrets.token_urlsafe(32),
        "code_verifier": secrets.token_urlsafe(64),
        "nonce": secrets.token_urlsafe(32),
        "at": now,
    }
    pending[state["state"]] = state
    request.session[STATES_SESSION_KEY] = pending
    return state


def pop_state(request: HttpRequest, value: str | None) -> dict[str, Any] | None:
    """The stashed state named ``value``, removed from the session (single use); ``None`` if
    unknown, already used, or older than 10 minutes."""
    pending = dict(request.session.get(STATES_SESSION_KEY) or {})
    if not value or not isinstance(value, str):
        return None
    found = None
    for key in list(pending):
        if constant_time_compare(key, value):
            found = pending.pop(key)
    request.session[STATES_SESSION_KEY] = pending
    if not isinstance(found, dict) or time.time() - found.get("at", 0) > STATE_TIMEOUT:
        return None
    return found


def peek_state(request: HttpRequest, value: str | None) -> dict[str, Any] | None:
    """The stashed state named ``value``, left in the session (the callback looks at where
    it should answer before the flow consumes it); ``None`` if unknown."""
    if not value or not isinstance(value, str):
        return None
    found = None
    for key, data in (request.session.get(STATES_SESSION_KEY) or {}).items():
        if constant_time_compare(key, value):
            found = data
    return found if isinstance(found, dict) else None
