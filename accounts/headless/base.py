"""What every endpoint shares: the two clients, the envelope, errors and the 401 "flows".

An endpoint is a plain function ``(request, client) -> JsonResponse`` wrapped by
:func:`endpoint`, which

- picks the client from the URL: ``browser`` keeps Django's session cookie and enforces CSRF
  on unsafe methods (Django's own ``CsrfViewMiddleware`` check); ``app`` uses the session
  named by the ``X-Session-Token`` header instead of the cookie, and needs no CSRF (no cookie
  is ever sent or read for it);
- spends the same rate-limit budget as the HTML view (``rate=``);
- parses the JSON body into the endpoint's pydantic model (``body=``): a malformed body is a
  400 in the envelope, never a 500;
- turns ``FlowError``/``ValidationError`` raised by a flow into the envelope's ``errors``
  (``RateLimited`` into a 429).

Nothing here decides anything about accounts: the flows do.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pydantic
from django.contrib.auth import get_user
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from accounts import ratelimit
from accounts.adapter import get_adapter
from accounts.authentication import (
    FACTOR_METHODS,
    Level,
    did_recently_authenticate,
    get_authentication_records,
)
from accounts.exceptions import RateLimited
from accounts.flows.login import get_pending_login
from accounts.headless import app_settings, pending
from accounts.headless.tokens import get_strategy
from accounts.mfa.models import Authenticator
from accounts.mfa.utils import has_second_factor
from accounts.socialaccount.adapter import list_providers
from accounts.socialaccount.flows import get_pending_signup
from accounts.usersessions.middleware import UserSessionMiddleware
from accounts.usersessions.store import session_store

SESSION_TOKEN_HEADER = "X-Session-Token"
# Set in the session when a login or signup ended in "check your inbox" (mandatory mode),
# so that the session endpoint keeps reporting the pending ``verify_email`` flow.
PENDING_VERIFICATION_SESSION_KEY = "headless_pending_email_verification"
MAX_BODY = 64 * 1024


class Client:
    BROWSER = "browser"
    APP = "app"


class Refusal(Exception):
    """A response decided before or instead of the endpoint (401, 403, 409, 410...)."""

    def __init__(self, response: JsonResponse):
        self.response = response


# --- The envelope ----------------------------------------------------------------------------


def respond(status: int, *, data: Any = None, meta: dict | None = None, errors=None):
    payload: dict[str, Any] = {"status": status}
    if data is not None:
        payload["data"] = data
    if meta is not None:
        payload["meta"] = meta
    if errors is not None:
        payload["errors"] = errors
    return JsonResponse(payload, status=status)


def error(status: int, message: str, *, code: str, param: str | None = None):
    item = {"message": str(message), "code": code}
    if param:
        item["param"] = param
    return respond(status, errors=[item])


def errors_from_validation(
    exc: ValidationError, *, params: dict[str, str] | None = None, param: str | None = None
):
    """``[{message, code, param}]`` of a form's or a flow's ``ValidationError``.

    ``params`` renames form fields to the API's names (``password1`` -> ``password``...).
    """
    params = params or {}
    items = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            for item in field_errors:
                items.append(_error_item(item, None if field == "__all__" else field, params))
    else:
        for item in exc.error_list:
            items.append(_error_item(item, getattr(exc, "field", None) or param, params))
    return items


def _error_item(item: ValidationError, field: str | None, params: dict[str, str]):
    message = item.message % item.params if item.params else item.message
    out = {"message": str(message), "code": item.code or "invalid"}
    field = getattr(item, "field", None) or field
    if field:
        out["param"] = params.get(field, field)
    return out


def form_errors(form, *, params: dict[str, str] | None = None):
    params = params or {}
    items = []
    for field, field_errors in form.errors.as_data().items():
        for item in field_errors:
            items.append(_error_item(item, None if field == "__all__" else field, params))
    return respond(400, errors=items)


def flow_error(
    exc: ValidationError, *, params: dict[str, str] | None = None, param: str | None = None
):
    """The envelope of a flow's refusal: its ``status`` (400 for form-like refusals)."""
    status = getattr(exc, "status", 200)
    if isinstance(exc, RateLimited) or status == 429:
        status = 429
    elif status in (200, 400):
        status = 400
    return respond(status, errors=errors_from_validation(exc, params=params, param=param))


# --- Describing the session ------------------------------------------------------------------


def user_data(user) -> dict[str, Any]:
    return {
        "id": user.pk,
        "display": user.get_full_name() or user.get_username(),
        "has_usable_password": user.has_usable_password(),
        "email": user.email or "",
        "username": user.get_username(),
    }


def authentication_methods(request: HttpRequest) -> list[dict[str, Any]]:
    """This session's authentication records in allauth's shape (``method``, ``at``...)."""
    methods = []
    for record in get_authentication_records(request):
        method, at = record.get("method"), float(record.get("at", 0))
        if method in FACTOR_METHODS:
            item = {"method": "mfa", "at": at, "type": record.get("type", method)}
            if record.get("reauthenticated"):
                item["reauthenticated"] = True
            if record.get("id") is not None:
                item["id"] = record["id"]
        else:
            item = {"method": method, "at": at}
            for key in ("email", "username", "provider", "uid"):
                if record.get(key):
                    item[key] = record[key]
            if record.get("reauthenticated"):
                item["reauthenticated"] = True
        methods.append(item)
    return methods


def code_factor_types(user) -> list[str]:
    types = Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).values_list("type", flat=True)
    return sorted(set(types))


def pending_flows(request: HttpRequest) -> list[dict[str, Any]]:
    """The flows an anonymous session may start, and the one it is in the middle of."""
    flows: list[dict[str, Any]] = [{"id": "login"}]
    open_for_signup = get_adapter(request).is_open_for_signup(request)
    if open_for_signup:
        flows.append({"id": "signup"})
    flows += pending.startable_flows(request, open_for_signup=open_for_signup)
    user, _pending = get_pending_login(request)
    step = None if user is not None else pending.pending_flow(request)
    if user is not None:
        types = sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True)))
        flows.append({"id": "mfa_authenticate", "is_pending": True, "types": types})
    elif step is not None:
        flows.append(step)
    elif request.session.get(PENDING_VERIFICATION_SESSION_KEY):
        flows.append({"id": "verify_email", "is_pending": True})
    elif (sociallogin := get_pending_signup(request)) is not None:
        flows.append(
            {
                "id": "provider_signup",
                "is_pending": True,
                "provider": {
                    "id": sociallogin.provider_id,
                    "name": sociallogin.provider_name,
                    "flows": ["provider_redirect"],
                },
            }
        )
    return flows


def providers_config(request: HttpRequest) -> dict[str, Any]:
    """``config``'s ``socialaccount``: the providers a front end may offer, with their client
    id (a native app needs it to sign in on the device) and the flows each supports."""
    providers = []
    for provider in list_providers(request):
        flows = ["provider_redirect"]
        if hasattr(provider, "identity_from_id_token"):
            flows.append("provider_token")
        providers.append(
            {
                "id": provider.provider_id,
                "name": provider.display_name,
                "client_id": provider.app.client_id,
                "flows": flows,
            }
        )
    return {"providers": providers}


def reauthentication_flows(request: HttpRequest, *, level: Level) -> list[dict[str, Any]]:
    user = request.user
    flows = []
    if level == Level.ANY and user.has_usable_password():
        flows.append({"id": "reauthenticate"})
    types = code_factor_types(user)
    if types:
        flows.append({"id": "mfa_reauthenticate", "types": types})
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists():
        flows.append({"id": "mfa_reauthenticate", "types": ["webauthn"]})
    return flows


def session_meta(request: HttpRequest, client: str, *, authenticated: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"is_authenticated": authenticated}
    if client == Client.APP and request.session.session_key:
        # The token is the session's key: it changes when the key rotates (login,
        # reauthentication, password change), so every answer carries the current one (a
        # session made by this request is saved, and named, on the way out).
        meta["session_token"] = request.session.session_key
    return meta


def authenticated_response(request: HttpRequest, client: str, status: int = 200):
    return respond(
        status,
        data={"user": user_data(request.user), "methods": authentication_methods(request)},
        meta=session_meta(request, client, authenticated=True),
    )


def unauthenticated_response(request: HttpRequest, client: str):
    return respond(
        401,
        data={"flows": pending_flows(request)},
        meta=session_meta(request, client, authenticated=False),
    )


def session_response(request: HttpRequest, client: str):
    """200 with the user when signed in, else 401 with the flows (and any pending one)."""
    if request.user.is_authenticated:
        return authenticated_response(request, client)
    return unauthenticated_response(request, client)


def reauthentication_response(request: HttpRequest, client: str, *, level: Level):
    return respond(
        401,
        data={
            "user": user_data(request.user),
            "methods": authentication_methods(request),
            "flows": reauthentication_flows(request, level=level),
        },
        meta=session_meta(request, client, authenticated=True),
    )


def require_reauthentication(
    request: HttpRequest, client: str, *, factor: bool = False, password_fallback: bool = True
) -> None:
    """The HTML decorators' two policies, answered with a 401 listing how to reauthenticate.

    ``factor``: a user with a second factor must have used one recently
    (``factor_reauthentication_required``); otherwise any recent authentication
    (``reauthentication_required``), unless ``password_fallback`` is off.
    """
    if factor and has_second_factor(request.user):
        if not did_recently_authenticate(request, level=Level.FACTOR):
            raise Refusal(reauthentication_response(request, client, level=Level.FACTOR))
        return
    if (not factor or password_fallback) and not did_recently_authenticate(request):
        raise Refusal(reauthentication_response(request, client, level=Level.ANY))


# --- The clients -----------------------------------------------------------------------------


def _enter_app_session(request: HttpRequest) -> bool:
    """Swap the cookie session for the one named by the access token (JWT strategy) or by
    ``X-Session-Token``; False when the token names no live session (ended, expired, made
    up, badly signed)."""
    token = request.headers.get(SESSION_TOKEN_HEADER, "")
    by_strategy = get_strategy().session_key_from_request(request)
    if by_strategy is not None:
        token = by_strategy or ""
    store = session_store(None)
    live = by_strategy is not False
    if token:
        if len(token) <= 64 and token.isalnum():
            store = session_store(token)
            store.keys()  # one read; a key the store does not know is dropped by the engine
        if store.session_key is None:
            store, live = session_store(None), False
    request._headless_cookie_session = request.session
    return adopt_session(request, store) and live


def adopt_session(request: HttpRequest, store) -> bool:
    """Make ``store`` this request's session and its user the request's user; False when
    the idle or absolute timeout just ended it (the same upkeep as for cookie sessions: the
    middleware ran on the cookie session before this view)."""
    request.session = store
    request._headless_key_at_start = store.session_key
    request.user = get_user(request)
    if request.user.is_authenticated:
        UserSessionMiddleware(lambda r: None)(request)
        return request.user.is_authenticated
    return True


def _leave_app_session(request: HttpRequest, response) -> None:
    """Save the token's session; when this request started a session (e.g. a WebAuthn
    challenge for an anonymous app), make sure the answer names its token."""
    session = request.session
    if session.modified and not session.is_empty():
        session.save()
    rotated = session.session_key != request._headless_key_at_start
    tokens = {}
    if rotated and response is not None and request.user.is_authenticated:
        # Signed in, or the key rotated (reauthentication, password change): the strategy's
        # tokens name the new key.
        tokens = get_strategy().issue(request)
        if tokens:
            session.save()  # the refresh token's state
    key = session.session_key
    request.session = request._headless_cookie_session
    if response is None or not key or session.is_empty() or not (rotated or tokens):
        return
    try:
        payload = json.loads(response.content)
    except ValueError:  # pragma: no cover - every answer here is JSON
        return
    meta = payload.setdefault("meta", {})
    meta.setdefault("session_token", key)
    meta.update(tokens)
    response.content = json.dumps(payload)


def _parse_body(request: HttpRequest, model: type[pydantic.BaseModel] | None):
    if model is None:
        return None
    raw = request.body
    if len(raw) > MAX_BODY:
        raise Refusal(error(400, _("The request body is too large."), code="invalid"))
    try:
        payload = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise Refusal(
            error(400, _("The request body is not valid JSON."), code="invalid")
        ) from None
    try:
        return model.model_validate(payload)
    except pydantic.ValidationError as exc:
        items = []
        for item in exc.errors(include_url=False, include_context=False):
            loc = [str(part) for part in item.get("loc", ()) if part != "__root__"]
            entry = {"message": item.get("msg") or _("Invalid input."), "code": "invalid"}
            if loc:
                entry["param"] = loc[0]
            items.append(entry)
        raise Refusal(respond(400, errors=items)) from None


def _csrf_refusal(request: HttpRequest):
    check = CsrfViewMiddleware(lambda r: None)
    refused = check.process_view(request, None, (), {})
    if refused is not None:
        return error(403, _("CSRF verification failed."), code="csrf_failed")
    return None


def endpoint(*, methods: dict[str, Any]):
    """Make a view of ``/_allauth/<client>/v1/...`` from ``{METHOD: handler}``.

    A handler is declared with :func:`handler`; it receives ``(request, client, body)``.
    """
    allowed = sorted(methods)

    @csrf_exempt
    @never_cache
    def view(request: HttpRequest, client: str):
        if client not in app_settings.CLIENTS:
            return error(404, _("Not found."), code="not_found")
        spec = methods.get(request.method)
        if spec is None:
            response = error(405, _("Method not allowed."), code="method_not_allowed")
            response["Allow"] = ", ".join(allowed)
            return response
        live = True
        if client == Client.APP:
            live = _enter_app_session(request)
        response = None
        try:
            if client == Client.BROWSER and request.method not in ("GET", "HEAD", "OPTIONS"):
                refused = _csrf_refusal(request)
                if refused is not None:
                    return refused
            response = _run(request, client, spec, live=live)
        finally:
            if client == Client.APP:
                _leave_app_session(request, response)
        if client == Client.BROWSER:
            _set_readable_csrf_cookie(request, response)
        return response

    view.headless_methods = methods
    return view


def _run(request, client, spec, *, live):
    try:
        if spec.stale_token_gone and not live:
            return respond(410, data={}, meta={"is_authenticated": False})
        if spec.auth == "user" and not request.user.is_authenticated:
            return unauthenticated_response(request, client)
        if spec.auth == "anonymous" and request.user.is_authenticated:
            return respond(409, errors=[{"message": _("Already signed in."), "code": "conflict"}])
        if spec.rate:
            ratelimit.consume_or_raise(request, spec.rate)
        body = _parse_body(request, spec.body)
        return spec.func(request, client, body)
    except Refusal as refusal:
        return refusal.response
    except ValidationError as exc:  # FlowError, RateLimited, a receiver's veto
        return flow_error(exc)


class HandlerSpec:
    def __init__(self, func, *, auth, body, rate, stale_token_gone):
        self.func, self.auth, self.body, self.rate = func, auth, body, rate
        self.stale_token_gone = stale_token_gone
        functools.update_wrapper(self, func)

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)


def handler(*, auth: str = "any", body=None, rate: str | None = None, stale_token_gone=False):
    """Declare an endpoint handler.

    ``auth``: ``"any"``, ``"user"`` (401 with the flows when nobody is signed in) or
    ``"anonymous"`` (409 when somebody is). ``body``: the pydantic model of the JSON body.
    ``rate``: the rate-limit action the HTML view spends for the same request.
    """

    def decorator(func):
        return HandlerSpec(func, auth=auth, body=body, rate=rate, stale_token_gone=stale_token_gone)

    return decorator


def _set_readable_csrf_cookie(request: HttpRequest, response) -> None:
    """A cookie scripts can read, with a masked CSRF token (see ``docs.md``).

    The HttpOnly CSRF cookie keeps the secret; any masked token of that secret passes
    Django's check, so the HTML site's protection is unchanged.
    """
    from django.conf import settings

    name = app_settings.CSRF_COOKIE_NAME
    if not name or name == settings.CSRF_COOKIE_NAME:
        return
    response.set_cookie(
        name,
        get_token(request),
        max_age=settings.CSRF_COOKIE_AGE,
        path=settings.CSRF_COOKIE_PATH,
        domain=settings.CSRF_COOKIE_DOMAIN,
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=False,
        samesite=settings.CSRF_COOKIE_SAMESITE,
    )
