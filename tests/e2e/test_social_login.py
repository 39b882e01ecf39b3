"""In Chromium: "Continue with Test IdP" on the login page, the real OpenID provider's own
login and consent pages, and back signed in; then the connections page lists the identity."""

import pytest

from accounts.socialaccount.models import SocialAccount
from tests.helpers.oidc import IdentityProvider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clock_at_window_start():
    """Real time: the provider process stamps the ID token with the real clock."""
    yield


@pytest.fixture
def live_idp(live_server, tmp_path, settings):
    callback = f"{live_server.url}/accounts/oidc/idp/login/callback/"
    provider = IdentityProvider(tmp_path, redirect_uris=[callback])
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [provider.app_config()]}}
    yield provider
    provider.stop()


def test_sign_in_through_the_providers_own_pages(page, live_server, live_idp, screenshot_dir):
    page.goto("/accounts/login/")
    page.click("[data-testid=provider-idp]")

    # The provider's own (development) login page, then its consent page.
    page.wait_for_url(f"{live_idp.issuer}/interaction/**")
    page.fill("input[name=login]", "nina@example.org")
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_idp.issuer}/interaction/**")
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/")
    assert "Signed in as nina" in page.inner_text("[data-testid=nav-user]")
    assert SocialAccount.objects.get().uid == "nina@example.org"

    page.goto("/accounts/3rdparty/")
    assert "nina@example.org" in page.inner_text("[data-testid=socialaccount-connections]")
    page.screenshot(path=str(screenshot_dir / "social-connections.png"), full_page=True)
