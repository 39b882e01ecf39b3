"""The outbox's settings are validated at start-up, like every app's."""

import pytest
from django.core import checks

from accounts.outbox.checks import check_outbox_settings
from accounts.outbox.delivery import retry_delay


def ids(errors):
    return [(error.id, error.obj) for error in errors]


def test_defaults_pass():
    assert check_outbox_settings() == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OUTBOX_MAX_ATTEMPTS", 0),
        ("OUTBOX_RETRY_DELAY", "60"),
        ("OUTBOX_RETRY_MAX_DELAY", 0),
        ("OUTBOX_CLAIM_TIMEOUT", True),
    ],
)
def test_bad_values_are_reported(settings, name, value):
    setattr(settings, name, value)
    assert ids(check_outbox_settings()) == [("outbox.E001", name)]


def test_an_unknown_task_backend_is_an_error(settings):
    settings.OUTBOX_TASK_BACKEND = "missing"
    assert ids(check_outbox_settings()) == [("outbox.E002", "OUTBOX_TASK_BACKEND")]


def test_a_backend_that_cannot_defer_is_a_warning(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    (warning,) = check_outbox_settings()
    assert (warning.id, warning.level) == ("outbox.W001", checks.WARNING)


def test_retry_delays_double_up_to_the_cap(settings):
    settings.OUTBOX_RETRY_DELAY = 60
    settings.OUTBOX_RETRY_MAX_DELAY = 600
    assert [retry_delay(n) for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]
    assert retry_delay(500) == 600
