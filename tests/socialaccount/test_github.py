"""GitHub (OAuth 2 with PKCE, identity from its REST API) against a local stand-in of its
token and user endpoints (``GITHUB_URL``, allauth's setting for GitHub Enterprise)."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY

from accounts.models import EmailAddress, User
from accounts.socialaccount.models import SocialAccount
from tests.helpers.oidc import handoff_url
from tests.helpers.standin import StandIn

LOGIN = "/accounts/github/login/"


class GitHubStandIn:
    def __init__(self):
        self.issued = {}  # code -> code_challenge
        self.emails = [
            {"email": "octo@example.org", "primary": True, "verified": True},
            {"email": "other@example.org", "primary": False, "verified": False},
        ]
        self.stand_in = StandIn(
            {
                ("POST", "/login/oauth/access_token"): self.token,
                ("GET", "/api/v3/user"): self.user,
                ("GET", "/api/v3/user/emails"): self.user_emails,
            }
        )
        self.url = self.stand_in.url

    def token(self, query, form, headers):
        challenge = self.issued.pop(form.get("code"), None)  # codes are single use
        verifier = form.get("code_verifier", "")
        computed = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            challenge is None
            or computed != challenge
            or form.get("client_id") != "gh-client"
            or form.get("client_secret") != "gh-secret"
        ):
            return 200, {"error": "bad_verification_code"}  # GitHub answers errors with 200
        return 200, {"access_token": "gho_test", "token_type": "bearer", "scope": "read:user"}

    def _authorized(self, headers):
        return headers.get("Authorization") == "Bearer gho_test"

    def user(self, query, form, headers):
        if not self._authorized(headers):
            return 401, {"message": "Bad credentials"}
        return 200, {"id": 4242, "login": "octocat", "name": "Octo Cat"}

    def user_emails(self, query, form, headers):
        if not self._authorized(headers):
            return 401, {"message": "Bad credentials"}
        return 200, self.emails

    def authorize(self, url, code="gh-code"):
        """What github.com/login/oauth/authorize does once the user agrees."""
        query = parse_qs(urlsplit(url).query)
        assert urlsplit(url).path == "/login/oauth/authorize"
        assert query["client_id"] == ["gh-client"]
        assert query["code_challenge_method"] == ["S256"]
        self.issued[code] = query["code_challenge"][0]
        return f"{LOGIN}callback/?code={code}&state={query['state'][0]}"


@pytest.fixture
def github(settings):
    stand_in = GitHubStandIn()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {
            "GITHUB_URL": stand_in.url,
            "APPS": [{"client_id": "gh-client", "secret": "gh-secret"}],
        }
    }
    yield stand_in
    stand_in.stand_in.stop()


def test_github_login_signs_up_with_the_verified_primary_address(client, github, db):
    response = client.get(github.authorize(handoff_url(client.post(LOGIN))))

    assert response.status_code == 302
    user = User.objects.get()
    assert (user.username, user.first_name, user.last_name) == ("octocat", "Octo", "Cat")
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        ("octo@example.org", True, True)
    ]
    account = SocialAccount.objects.get()
    assert (account.provider, account.uid, account.user) == ("github", "4242", user)
    assert client.session[SESSION_KEY] == str(user.pk)
    # The API was called with the token, never with the client secret.
    api_calls = [r for r in github.stand_in.requests if r["path"].startswith("/api/")]
    assert [r["path"] for r in api_calls] == ["/api/v3/user", "/api/v3/user/emails"]


def test_github_second_login_finds_the_user(client, github, db):
    client.get(github.authorize(handoff_url(client.post(LOGIN)), code="one"))
    client.post("/accounts/logout/")
    client.get(github.authorize(handoff_url(client.post(LOGIN)), code="two"))
    assert User.objects.count() == 1
    assert client.session[SESSION_KEY] == str(User.objects.get().pk)


def test_github_without_a_verified_address_asks_on_the_signup_form(client, github, db):
    github.emails = [{"email": "octo@example.org", "primary": True, "verified": False}]
    response = client.get(github.authorize(handoff_url(client.post(LOGIN))))
    # No address the provider vouches for: the form asks (prefilled with nothing).
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert User.objects.count() == 0


def test_github_refused_code_is_a_clean_error(client, github, db):
    url = handoff_url(client.post(LOGIN))
    callback = github.authorize(url)
    github.issued.clear()  # the code expired at GitHub
    response = client.get(callback)
    assert response.status_code == 400
    assert 'data-code="token_refused"' in response.content.decode()
    assert User.objects.count() == 0 and SESSION_KEY not in client.session


def test_github_api_failure_is_a_clean_error(client, github, db):
    github.stand_in.routes[("GET", "/api/v3/user")] = lambda q, f, h: (500, {})
    response = client.get(github.authorize(handoff_url(client.post(LOGIN))))
    assert response.status_code == 400
    assert User.objects.count() == 0 and SESSION_KEY not in client.session
