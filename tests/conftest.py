"""Fixtures shared by the whole suite."""

import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from tests.helpers import transactions
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.mfa import T0


def pytest_configure(config):
    """Compile stale translation catalogues once, before any worker starts (``make`` does the
    same), so a plain ``pytest`` run sees the current translations."""
    if not hasattr(config, "workerinput"):
        from config.catalogues import compile_catalogue, stale_catalogues

        for po in stale_catalogues():
            compile_catalogue(po)


@pytest.fixture(autouse=True)
def _clock_at_window_start():
    """Start every test at the top of the current hour, with the clock ticking.

    Rate limits count in fixed windows (60 s, 180 s, 300 s, 3600 s all divide an hour): a test
    that spends a budget must not straddle a window edge by the luck of when it runs.
    """
    with time_machine.travel(time.time() // 3600 * 3600 + 1, tick=True):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _commit_when_requests_end():
    """A request's on-commit callbacks (mail going out) run when it ends, as in production,
    although the test's transaction never commits (see tests/helpers/transactions.py)."""
    transactions.connect()
    yield
    transactions.disconnect()


@pytest.fixture(autouse=True)
def _no_outbox_sweep_from_an_earlier_test():
    """The outbox trusts a sweep this process scheduled earlier (accounts.outbox.delivery);
    an earlier test's sweep went with its database, and query counts must not depend on the
    order tests run in. Pinned flows that want the steady state use ``outbox_sweep_scheduled``."""
    from accounts.outbox.delivery import forget_sweep

    forget_sweep()
    yield
    forget_sweep()


@pytest.fixture
def outbox_sweep_scheduled(db, django_capture_on_commit_callbacks):
    """This process has scheduled the outbox's sweep already (a real task row, committed as
    far as the test sees): mail queued in the next minute costs no task, as on a site that
    sent a mail in the last minute. Query-count pins use it for the steady state."""
    from django.utils import timezone

    from accounts.outbox import app_settings as outbox_settings
    from accounts.outbox.delivery import _ensure_sweep

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        _ensure_sweep(now, now + timedelta(seconds=outbox_settings.CLAIM_TIMEOUT))


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def auth_client(client, user, password):
    return login_client(client, user, password)


@pytest.fixture
def make_client():
    """A factory of independent browsers (separate cookie jars)."""

    def _make(**defaults):
        return Client(**defaults)

    return _make


@pytest.fixture
def signal_catcher():
    """``catch(signal)`` connects a Mock receiver for the test and returns it."""
    connected = []

    def catch(signal):
        receiver = mock.Mock()
        signal.connect(receiver, weak=False, dispatch_uid=f"test-catcher-{id(receiver)}")
        connected.append((signal, receiver))
        return receiver

    yield catch
    for signal, receiver in connected:
        signal.disconnect(receiver, dispatch_uid=f"test-catcher-{id(receiver)}")


@pytest.fixture
def clock(request):
    """A stopped clock at ``T0`` (or the test module's ``CLOCK_START``); move it with
    ``clock.shift(...)`` / ``clock.move_to(...)``."""
    start = getattr(request.module, "CLOCK_START", T0)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller
