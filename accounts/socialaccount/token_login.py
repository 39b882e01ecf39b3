"""Social login with a token the client obtained by itself (a mobile app that ran the
provider's flow on the device): the headless API's ``auth/provider/token``.

An ID token is required (an access token alone is refused, see below; sent along, it
fetches the userinfo, whose ``sub`` must be the ID token's): their signature is checked against the provider's JWKS, with the
same issuer/audience/expiry checks as the redirect flow, then the same
:func:`~accounts.socialaccount.flows.process_sociallogin` decides (log in, sign up, connect)
and sends the same signals. A bare access token proves nothing about who it was issued to
(another app's token would do), so it is refused.
"""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest, HttpResponse

from accounts.socialaccount import flows
from accounts.socialaccount.providers.base import Provider, ProviderError
from accounts.socialaccount.sociallogin import SocialLogin

logger = logging.getLogger("accounts.socialaccount")


def login_with_id_token(
    request: HttpRequest,
    *,
    provider: Provider,
    id_token: str,
    access_token: str | None,
    process: str,
) -> HttpResponse:
    """Verify ``id_token`` (completed by the userinfo ``access_token`` opens) and run the
    social login; ``FlowError`` (400) when the provider
    takes no ID tokens, the token is not valid, or ``connect`` lacks its signed-in user."""
    verify = getattr(provider, "identity_from_id_token", None)
    if verify is None:
        raise flows.error("token_not_supported")
    try:
        identity = verify(id_token, access_token)
    except ProviderError as failure:
        logger.warning("Token login with %s failed: %s", provider.provider_id, failure.code)
        raise flows.error(failure.code) from failure
    state = {
        "process": process,
        "next": "",
        "at": time.time(),
        "user_id": request.user.pk if process == "connect" else None,
    }
    sociallogin = SocialLogin.from_provider(provider, identity, state)
    return flows.process_sociallogin(request, sociallogin)
