"""A stand-in for the second-step page while ``views.mfa.authenticate`` is a placeholder.

The TOTP issue builds ``mfa_authenticate`` in a parallel branch; its view delegates POSTs with
``credential`` to ``views.webauthn.authenticate_step`` and its page includes
``mfa/_webauthn_authenticate.html``. This urlconf does just that, so the security-key step is
tested over HTTP before the merge. Once the real view exists, ``second_step_urlconf()``
returns ``None`` and the tests run against it instead.
"""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import path

import config.urls
from accounts.flows.login import get_pending_login
from accounts.views import mfa
from accounts.views.webauthn import authenticate_step

PAGE = """{% extends "account/base_card.html" %}{% block card %}
<h1 class="h3 mb-3">Two-factor authentication</h1>
{% include "mfa/_webauthn_authenticate.html" %}
{% endblock card %}"""


def second_step_urlconf():
    """This module's path while the real view is still the placeholder, else ``None``."""
    if "Placeholder" in (mfa.__doc__ or ""):
        return __name__
    return None


def authenticate(request):
    user, state = get_pending_login(request)
    if user is None:
        return redirect("account_login")
    if request.method == "POST" and "credential" in request.POST:
        return authenticate_step(request, user=user, state=state)
    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


urlpatterns = [
    path("accounts/2fa/authenticate/", authenticate, name="mfa_authenticate"),
    *config.urls.urlpatterns,
]
