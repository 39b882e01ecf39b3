import pytest

from tests.helpers.outbox import SmtpServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server, down until the test starts it; the site sends its mail there."""
    server = SmtpServer()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()
