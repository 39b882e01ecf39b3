"""Clients logged in the way a person logs in (through the form, so flows and records run)."""

from tests.helpers.factories import DEFAULT_PASSWORD


def login_client(client, user, password=DEFAULT_PASSWORD):
    """Log ``client`` in through the real login form (so the flow and records run)."""
    response = client.post("/accounts/login/", {"login": user.username, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client
