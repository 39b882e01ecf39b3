"""Fixtures of the social login tests: a real OpenID provider process, its settings."""

import pytest

from tests.helpers.oidc import IdentityProvider

CALLBACKS = [
    "http://testserver/accounts/oidc/idp/login/callback/",
    "http://testserver/accounts/oidc/other/login/callback/",
    "http://testserver/accounts/google/login/callback/",
    "http://testserver/accounts/microsoft/login/callback/",
]


@pytest.fixture(autouse=True)
def _clock_at_window_start():
    """Real time here: the provider (another process) stamps ``iat``/``exp`` with the real
    clock, and the site must check them against the same clock."""
    yield


@pytest.fixture(scope="session")
def idp(tmp_path_factory):
    provider = IdentityProvider(tmp_path_factory.mktemp("idp"), redirect_uris=CALLBACKS)
    yield provider
    provider.stop()


@pytest.fixture
def oidc(idp, settings):
    """The site configured with the provider as ``openid_connect`` app ``idp``."""
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [idp.app_config()]}}
    return idp
