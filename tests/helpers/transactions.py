"""A request's ``transaction.on_commit`` callbacks, run when it ends, as in production.

With ``ATOMIC_REQUESTS`` a request commits when its view returns, and the callbacks it
registered (mail going out: ``accounts.outbox``) run right then. A test that is not
``transaction=True`` runs inside a transaction that never commits, so Django would never run
them. Here, the callbacks a test-client request registered run when that request finishes;
those of a request that rolled back were already dropped by Django, so a failed flow still
sends nothing. Tests with real transactions (live server, ``transaction=True``) are left alone.
"""

import logging

from django.core.signals import request_finished, request_started
from django.db import connections

logger = logging.getLogger(__name__)
ATTRIBUTE = "_test_request_on_commit_start"


def _remember_start(**kwargs):
    for connection in connections.all(initialized_only=True):
        setattr(connection, ATTRIBUTE, len(connection.run_on_commit))


def _run_request_callbacks(**kwargs):
    for connection in connections.all(initialized_only=True):
        start = getattr(connection, ATTRIBUTE, None)
        setattr(connection, ATTRIBUTE, None)
        if start is None or not connection.in_atomic_block:
            continue
        callbacks = connection.run_on_commit[start:]
        del connection.run_on_commit[start:]
        for _savepoints, callback, robust in callbacks:
            if not robust:
                callback()
                continue
            try:
                callback()
            except Exception:
                logger.exception("on_commit callback %r failed", callback)


def connect():
    request_started.connect(_remember_start, dispatch_uid="tests.on_commit.start")
    request_finished.connect(_run_request_callbacks, dispatch_uid="tests.on_commit.finish")


def disconnect():
    request_started.disconnect(dispatch_uid="tests.on_commit.start")
    request_finished.disconnect(dispatch_uid="tests.on_commit.finish")
