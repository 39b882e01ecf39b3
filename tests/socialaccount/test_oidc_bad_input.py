"""Bad answers from the browser or the provider: a clean error page (4xx), nothing created,
nobody logged in. The real provider for what it can do wrong by itself; a stand-in for ID
tokens that a certified provider would never send (forged signature) and for slowness."""

import base64
import hmac
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from joserfc import jwt
from joserfc.jwk import RSAKey

from accounts.models import EmailAddress, User
from accounts.socialaccount.models import SocialAccount
from tests.helpers.oidc import free_port, handoff_url
from tests.helpers.standin import StandIn

LOGIN = "/accounts/oidc/idp/login/"


def assert_clean_failure(client, response, code=None):
    assert response.status_code == 400, response.content[:300]
    assert "socialaccount/authentication_error.html" in [t.name for t in response.templates]
    if code:
        assert f'data-code="{code}"' in response.content.decode()
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert SESSION_KEY not in client.session


def with_query(url, **changes):
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    query = {k: v for k, v in query.items() if v is not None}
    return urlunsplit(parts._replace(query=urlencode(query)))


def back_from_idp(client, idp, login="frank@example.org"):
    return idp.authorize(handoff_url(client.post(LOGIN)), login=login)


def test_tampered_state(client, oidc, db):
    back = back_from_idp(client, oidc)
    state = parse_qs(urlsplit(back).query)["state"][0]
    assert_clean_failure(client, client.get(with_query(back, state=state[:-2] + "xx")), "bad_state")


def test_missing_state(client, oidc, db):
    back = back_from_idp(client, oidc)
    assert_clean_failure(client, client.get(with_query(back, state=None)), "bad_state")


def test_state_from_another_browser(client, make_client, oidc, db):
    back = back_from_idp(client, oidc)
    other = make_client()
    assert_clean_failure(other, other.get(back), "bad_state")


def test_replayed_state(client, oidc, db):
    back = back_from_idp(client, oidc)
    assert client.get(back).status_code == 302
    client.post("/accounts/logout/")
    response = client.get(back)
    assert response.status_code == 400
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


def test_replayed_code_is_refused_by_the_provider(client, oidc, db):
    first = back_from_idp(client, oidc)
    code = parse_qs(urlsplit(first).query)["code"][0]
    assert client.get(first).status_code == 302
    client.post("/accounts/logout/")
    # A fresh, valid state with the code already spent.
    second = back_from_idp(client, oidc)
    response = client.get(with_query(second, code=code))
    assert response.status_code == 400
    assert 'data-code="token_refused"' in response.content.decode()
    assert User.objects.count() == 1 and SocialAccount.objects.count() == 1
    assert SESSION_KEY not in client.session


def test_missing_code(client, oidc, db):
    back = back_from_idp(client, oidc)
    assert_clean_failure(client, client.get(with_query(back, code=None)), "missing_code")


def test_wrong_nonce(client, oidc, db):
    url = handoff_url(client.post(LOGIN))
    session = client.session
    states = session["socialaccount_states"]
    for state in states.values():
        state["nonce"] = "a-nonce-of-another-request"
    session["socialaccount_states"] = states
    session.save()
    back = oidc.authorize(url, login="frank@example.org")
    assert_clean_failure(client, client.get(back), "bad_id_token")


def test_expired_id_token(client, oidc, db):
    back = back_from_idp(client, oidc)
    # The provider's ID tokens live two minutes (IdentityProvider's id_token_ttl): five
    # minutes later this one is expired, while the state (10 minutes) is still good.
    with time_machine.travel(time.time() + 5 * 60, tick=True):
        assert_clean_failure(client, client.get(back), "bad_id_token")


def test_access_denied_shows_the_cancelled_page(client, oidc, db):
    back = oidc.authorize(handoff_url(client.post(LOGIN)), login="x", consent=False)
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    response = client.get(back, follow=True)
    assert response.redirect_chain == [("/accounts/3rdparty/login/cancelled/", 302)]
    assert "socialaccount/login_cancelled.html" in [t.name for t in response.templates]
    assert User.objects.count() == 0 and SESSION_KEY not in client.session


def test_provider_down(client, db, settings):
    app = {
        "provider_id": "idp",
        "name": "Down",
        "client_id": "site",
        "secret": "s",
        "settings": {"server_url": f"http://127.0.0.1:{free_port()}"},
    }
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}
    assert_clean_failure(client, client.post(LOGIN), "unreachable")
    assert not client.session.get("socialaccount_states")


def test_garbage_callback_parameters(client, oidc, db):
    for query in (
        "",
        "?code=&state=",
        "?state=%00",
        "?error=server_error",
        "?code=x&state=" + "a" * 5000,
    ):
        assert_clean_failure(client, client.get(LOGIN + "callback/" + query))


# --- A stand-in provider for what a real one never does ----------------------------------


class ForgingProvider:
    """Discovery, JWKS and a token endpoint; the ID token is made by ``mint(claims)``."""

    def __init__(self, client_id="site"):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.keys = [self.key]
        self.client_id = client_id
        self.nonce = None
        self.delay = 0
        self.signer = self.key
        self.claims_override = {}
        self.stand_in = StandIn(
            {
                ("GET", "/.well-known/openid-configuration"): self.discovery,
                ("GET", "/jwks"): self.jwks,
                ("POST", "/token"): self.token,
            }
        )
        self.url = self.stand_in.url

    def discovery(self, query, form, headers):
        return 200, {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/auth",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self, query, form, headers):
        return 200, {"keys": [k.as_dict(private=False) for k in self.keys]}

    def token(self, query, form, headers):
        time.sleep(self.delay)
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.client_id,
            "sub": "forged-sub",
            "email": "mallory@example.org",
            "email_verified": True,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce,
            **self.claims_override,
        }
        header = {"alg": "RS256", "kid": self.signer.kid}
        id_token = jwt.encode(header, claims, self.signer)
        return 200, {"access_token": "at", "token_type": "Bearer", "id_token": id_token}


@pytest.fixture
def forger(settings):
    provider = ForgingProvider()
    app = {
        "provider_id": "idp",
        "name": "Stand-in",
        "client_id": "site",
        "secret": "s",
        "settings": {"server_url": provider.url, "fetch_userinfo": False},
    }
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}
    yield provider
    provider.stand_in.stop()


def start_at(client, forger):
    query = parse_qs(urlsplit(handoff_url(client.post(LOGIN))).query)
    forger.nonce = query["nonce"][0]
    return f"{LOGIN}callback/?code=c0de&state={query['state'][0]}"


def test_stand_in_accepts_a_well_signed_token(client, forger, db):
    """The control: the stand-in's honest token logs in (so the failures below are real)."""
    response = client.get(start_at(client, forger))
    assert response.status_code == 302
    assert SocialAccount.objects.get().uid == "forged-sub"


def test_wrongly_signed_id_token(client, forger, db):
    # Signed by another key that claims the provider's key id.
    forger.signer = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    assert_clean_failure(client, client.get(start_at(client, forger)), "bad_id_token")


@pytest.mark.parametrize(
    "override",
    [
        {"iss": "http://evil.example"},
        {"aud": "another-client"},
        {"exp": int(time.time()) - 3600},
        {"iat": int(time.time()) + 3600},
        {"iat": int(time.time()) - 3 * 3600},
        {"sub": None},
    ],
    ids=["iss", "aud", "exp", "iat-future", "iat-stale", "no-sub"],
)
def test_bad_id_token_claims(client, forger, db, override):
    forger.claims_override = override
    assert_clean_failure(client, client.get(start_at(client, forger)), "bad_id_token")


def test_key_rotation_refetches_the_keys(client, forger, db):
    assert client.get(start_at(client, forger)).status_code == 302  # keys now cached
    client.post("/accounts/logout/")
    new_key = RSAKey.generate_key(2048, parameters={"kid": "k2", "use": "sig"})
    forger.keys = [new_key]
    forger.signer = new_key
    assert client.get(start_at(client, forger)).status_code == 302
    assert client.session[SESSION_KEY] == str(SocialAccount.objects.get().user_id)


def test_slow_provider_times_out(client, forger, db, settings):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 1
    forger.delay = 2.5
    assert_clean_failure(client, client.get(start_at(client, forger)), "timeout")


def _unsigned(claims):
    header = base64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{base64url(json.dumps(claims).encode())}."


def base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_unsigned_and_symmetric_id_tokens_are_refused(client, forger, db):
    forger_token = forger.token

    def none_token(query, form, headers):
        status, body = forger_token(query, form, headers)
        claims = jwt.decode(body["id_token"], forger.key).claims
        return status, {**body, "id_token": _unsigned(claims)}

    def hs256_token(query, form, headers):
        status, body = forger_token(query, form, headers)
        claims = jwt.decode(body["id_token"], forger.key).claims
        # The classic confusion: HMAC keyed with the provider's public key.
        signing_input = (
            base64url(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
            + "."
            + base64url(json.dumps(claims).encode())
        )
        mac = hmac.new(forger.key.as_pem(private=False), signing_input.encode(), "sha256")
        return status, {**body, "id_token": f"{signing_input}.{base64url(mac.digest())}"}

    for handler in (none_token, hs256_token):
        forger.stand_in.routes[("POST", "/token")] = handler
        assert_clean_failure(client, client.get(start_at(client, forger)), "bad_id_token")


def test_id_token_without_kid_is_refused_unless_one_key_fits(client, forger, db):
    stranger = RSAKey.generate_key(2048)  # no kid, not the provider's key
    forger.signer = stranger
    assert_clean_failure(client, client.get(start_at(client, forger)))


@pytest.mark.parametrize(
    "override",
    [{"aud": ["site", "evil"]}, {"aud": ["site", "evil"], "azp": "evil"}],
    ids=["several-audiences-without-azp", "azp-of-another-client"],
)
def test_audience_and_azp(client, forger, db, override):
    forger.claims_override = override
    assert_clean_failure(client, client.get(start_at(client, forger)), "bad_id_token")


def test_discovery_must_name_the_configured_issuer(client, forger, db):
    discovery = forger.discovery

    def lying(query, form, headers):
        status, body = discovery(query, form, headers)
        return status, {**body, "issuer": "https://idp-b.test"}

    forger.stand_in.routes[("GET", "/.well-known/openid-configuration")] = lying
    assert_clean_failure(client, client.post(LOGIN), "bad_configuration")
    assert not client.session.get("socialaccount_states")


def test_discovery_endpoints_must_be_https(client, forger, db):
    discovery = forger.discovery

    def plain(query, form, headers):
        status, body = discovery(query, form, headers)
        return status, {**body, "token_endpoint": "http://idp.example/token"}

    forger.stand_in.routes[("GET", "/.well-known/openid-configuration")] = plain
    assert_clean_failure(client, client.post(LOGIN), "bad_configuration")


def test_iss_of_another_provider_in_the_response(client, oidc, db):
    back = back_from_idp(client, oidc)
    assert parse_qs(urlsplit(back).query)["iss"] == [oidc.issuer]
    assert_clean_failure(
        client, client.get(with_query(back, iss="https://idp-b.test")), "bad_issuer"
    )


def test_iss_missing_although_promised(client, oidc, db):
    back = back_from_idp(client, oidc)
    assert_clean_failure(client, client.get(with_query(back, iss=None)), "bad_issuer")


def test_state_of_another_provider(client, oidc, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [oidc.app_config(), oidc.app_config(provider_id="other")]}
    }
    back = back_from_idp(client, oidc)
    other = back.replace("/oidc/idp/", "/oidc/other/")
    assert_clean_failure(client, client.get(other), "bad_state")


def test_state_is_long_random_and_fresh(client, oidc, db):
    states = {
        parse_qs(urlsplit(handoff_url(client.post(LOGIN))).query)["state"][0] for _ in range(3)
    }
    assert len(states) == 3
    assert all(len(state) >= 43 for state in states)  # 32 random bytes


def test_state_expires_after_ten_minutes(client, oidc, db):
    back = back_from_idp(client, oidc)
    with time_machine.travel(time.time() + 601, tick=True):
        assert_clean_failure(client, client.get(back), "bad_state")


def test_callback_sets_no_referrer_and_logs_no_code(client, oidc, db, caplog):
    back = back_from_idp(client, oidc)
    code = parse_qs(urlsplit(back).query)["code"][0]
    bad = client.get(with_query(back, state="x"))
    assert bad["Referrer-Policy"] == "no-referrer"
    good = client.get(back)
    assert good.status_code == 302 and good["Referrer-Policy"] == "no-referrer"
    assert code not in caplog.text


def test_provider_error_description_is_escaped(client, oidc, db):
    back = back_from_idp(client, oidc)
    response = client.get(with_query(back, code=None, error="x<script>", error_description="<b>"))
    assert_clean_failure(client, response, "provider_error")
    assert "<script>" not in response.content.decode()


def test_callbacks_are_budgeted_like_logins(client, oidc, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    back = back_from_idp(client, oidc)  # one POST spent
    assert client.get(with_query(back, state="x")).status_code == 400
    assert client.get(with_query(back, state="y")).status_code == 400
    response = client.get(back)
    assert response.status_code == 429
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "answer",
    [
        (500, {}),
        (200, ["not", "an", "object"]),
        (200, {"access_token": "at", "token_type": "Bearer"}),
        (200, {"access_token": "at", "token_type": "Bearer", "id_token": "abc"}),
        (200, {"access_token": "at", "token_type": "Bearer", "id_token": "a.b.c"}),
        (200, {"access_token": "at", "token_type": "Bearer", "id_token": 42}),
        (200, {"error": "invalid_grant", "error_description": "<script>"}),
    ],
    ids=["500", "json-list", "no-id-token", "garbage", "three-garbage-parts", "number", "error"],
)
def test_malformed_token_answers_are_clean_errors(forger, db, answer):
    from django.test import Client

    client = Client(raise_request_exception=False)
    forger.stand_in.routes[("POST", "/token")] = lambda q, f, h: answer
    response = client.get(start_at(client, forger))
    assert_clean_failure(client, response)


def test_malformed_claims_are_clean_errors(forger, db):
    from django.test import Client

    client = Client(raise_request_exception=False)
    for override in ({"aud": {"x": 1}}, {"exp": "tomorrow"}, {"iat": None}, {"nonce": 5}):
        forger.claims_override = override
        assert_clean_failure(client, client.get(start_at(client, forger)))


def test_login_csrf_a_callback_from_another_browser_connects_nothing(
    auth_client, user, oidc, make_client
):
    """Mallory runs the flow in her browser, then makes signed-in alice open her callback."""
    mallory = make_client()
    back = back_from_idp(mallory, oidc, login="mallory@example.org")
    response = auth_client.get(back)
    assert response.status_code == 400
    assert SocialAccount.objects.count() == 0
    assert auth_client.session[SESSION_KEY] == str(user.pk)


def test_the_identity_is_the_subject_never_the_address(client, oidc, db, make_client):
    back = back_from_idp(client, oidc, login="sam@example.org")
    assert client.get(back).status_code == 302
    # Another subject at the same provider reporting the same address (unverified here).
    other = make_client()
    response = other.get(back_from_idp(other, oidc, login="unverified:sam@example.org"))
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert SESSION_KEY not in other.session
    assert SocialAccount.objects.count() == 1 and User.objects.count() == 1
