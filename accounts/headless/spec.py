"""The OpenAPI 3.1 description of the API, built from the code and served by the site.

Request bodies are the JSON Schemas of the pydantic models in ``inputs.py``; the operations
are read from the views' method tables (``views.*.headless_methods``), so an endpoint cannot
exist without appearing here. Responses are described below, one component per envelope.
``tests/headless`` validates every answer of the live API against this document.
"""

from __future__ import annotations

import copy
import functools
import json

import yaml
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.headless import app_settings, inputs, routes

OBJ = "object"


def _status(*codes):
    return {"type": "integer", "enum": list(codes)}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(data):
    """A 200 answer in allauth's envelope: ``{"status": 200, "data": <data>}``."""
    return {
        "type": OBJ,
        "properties": {"status": _status(200), "data": data},
        "required": ["status", "data"],
    }


SCHEMAS = {
    "Timestamp": {"type": "number", "description": "Seconds since the epoch.", "examples": [1]},
    "User": {
        "type": OBJ,
        "properties": {
            "id": {"type": "integer"},
            "display": {"type": "string"},
            "has_usable_password": {"type": "boolean"},
            "email": {"type": "string"},
            "username": {"type": "string"},
        },
        "required": ["id", "display", "has_usable_password", "email", "username"],
    },
    "AuthenticationMethod": {
        "type": OBJ,
        "description": "One step this session authenticated with: `password` (with `email` "
        "or `username`, or `reauthenticated`), or `mfa` (with the authenticator `type`).",
        "properties": {
            "method": {"type": "string", "examples": ["password", "mfa"]},
            "at": _ref("Timestamp"),
            "email": {"type": "string"},
            "username": {"type": "string"},
            "provider": {"type": "string", "description": "`socialaccount`: the provider id."},
            "uid": {"type": "string", "description": "`socialaccount`: the account's id."},
            "type": {"type": "string", "enum": ["totp", "recovery_codes", "webauthn"]},
            "id": {"type": "integer"},
            "reauthenticated": {"type": "boolean"},
        },
        "required": ["method", "at"],
    },
    "Flow": {
        "type": OBJ,
        "description": "A step a client can take; `is_pending` marks the one in progress.",
        "properties": {
            "id": {
                "type": "string",
                "enum": [
                    "login",
                    "signup",
                    "verify_email",
                    "mfa_authenticate",
                    "mfa_reauthenticate",
                    "reauthenticate",
                    "provider_signup",
                    "login_by_code",
                    "password_reset_by_code",
                    "mfa_trust",
                    "mfa_signup_webauthn",
                ],
            },
            "is_pending": {"type": "boolean", "enum": [True]},
            "provider": _ref("Provider"),
            "types": {
                "type": "array",
                "items": {"type": "string", "enum": ["totp", "recovery_codes", "webauthn"]},
            },
        },
        "required": ["id"],
    },
    "Meta": {
        "type": OBJ,
        "properties": {
            "is_authenticated": {"type": "boolean"},
            "access_token": {
                "type": "string",
                "description": "JWT strategy, `app` client: send as `Authorization: Bearer`.",
            },
            "refresh_token": {
                "type": "string",
                "description": "JWT strategy: trade it at `tokens/refresh` for new tokens.",
            },
            "session_token": {
                "type": "string",
                "description": "`app` client only: send it back as `X-Session-Token`. It "
                "changes when the session key rotates (login, reauthentication, password "
                "change): always keep the latest.",
            },
        },
        "required": ["is_authenticated"],
    },
    "AuthenticatedResponse": {
        "type": OBJ,
        "properties": {
            "status": _status(200),
            "data": {
                "type": OBJ,
                "properties": {
                    "user": _ref("User"),
                    "methods": {"type": "array", "items": _ref("AuthenticationMethod")},
                },
                "required": ["user", "methods"],
            },
            "meta": _ref("Meta"),
        },
        "required": ["status", "data", "meta"],
    },
    "AuthenticationResponse": {
        "type": OBJ,
        "description": "Nobody is signed in: the flows that can be started, and the pending one.",
        "properties": {
            "status": _status(401),
            "data": {
                "type": OBJ,
                "properties": {"flows": {"type": "array", "items": _ref("Flow")}},
                "required": ["flows"],
            },
            "meta": _ref("Meta"),
        },
        "required": ["status", "data", "meta"],
    },
    "ReauthenticationResponse": {
        "type": OBJ,
        "description": "Signed in, but not recently enough for this action: reauthenticate "
        "with one of the flows, then repeat the request.",
        "properties": {
            "status": _status(401),
            "data": {
                "type": OBJ,
                "properties": {
                    "user": _ref("User"),
                    "methods": {"type": "array", "items": _ref("AuthenticationMethod")},
                    "flows": {"type": "array", "items": _ref("Flow")},
                },
                "required": ["user", "methods", "flows"],
            },
            "meta": _ref("Meta"),
        },
        "required": ["status", "data", "meta"],
    },
    "SessionGoneResponse": {
        "type": OBJ,
        "description": "The session token names no live session (ended, expired): drop it.",
        "properties": {"status": _status(410), "data": {"type": OBJ}, "meta": _ref("Meta")},
        "required": ["status", "data", "meta"],
    },
    "ErrorResponse": {
        "type": OBJ,
        "properties": {
            "status": {"type": "integer"},
            "errors": {
                "type": "array",
                "items": {
                    "type": OBJ,
                    "properties": {
                        "message": {"type": "string"},
                        "code": {"type": "string"},
                        "param": {"type": "string"},
                    },
                    "required": ["message", "code"],
                },
            },
        },
        "required": ["status", "errors"],
    },
    "StatusOK": {"type": OBJ, "properties": {"status": _status(200)}, "required": ["status"]},
    "NotFoundResponse": {
        "type": OBJ,
        "properties": {"status": _status(404), "errors": {"type": "array"}},
        "required": ["status"],
    },
    "ConflictResponse": {
        "type": OBJ,
        "properties": {"status": _status(409), "errors": {"type": "array"}},
        "required": ["status"],
    },
    "ConfigurationResponse": _ok(
        {
            "type": OBJ,
            "properties": {
                "account": {
                    "type": OBJ,
                    "properties": {
                        "authentication_method": {"type": "string"},
                        "login_methods": {"type": "array", "items": {"type": "string"}},
                        "is_open_for_signup": {"type": "boolean"},
                        "email_verification_by_code_enabled": {"type": "boolean"},
                        "login_by_code_enabled": {"type": "boolean"},
                        "password_reset_by_code_enabled": {"type": "boolean"},
                    },
                    "required": ["is_open_for_signup", "login_methods"],
                },
                "mfa": {
                    "type": OBJ,
                    "properties": {
                        "supported_types": {"type": "array", "items": {"type": "string"}},
                        "passkey_login_enabled": {"type": "boolean"},
                        "passkey_signup_enabled": {"type": "boolean"},
                        "trust_enabled": {"type": "boolean"},
                    },
                },
                "usersessions": {
                    "type": OBJ,
                    "properties": {"track_activity": {"type": "boolean"}},
                },
                "socialaccount": {
                    "type": OBJ,
                    "properties": {"providers": {"type": "array", "items": _ref("Provider")}},
                    "required": ["providers"],
                },
            },
            "required": ["account"],
        }
    ),
    "EmailAddress": {
        "type": OBJ,
        "properties": {
            "email": {"type": "string"},
            "primary": {"type": "boolean"},
            "verified": {"type": "boolean"},
        },
        "required": ["email", "primary", "verified"],
    },
    "EmailAddressesResponse": _ok({"type": "array", "items": _ref("EmailAddress")}),
    "EmailVerificationInfoResponse": {
        "type": OBJ,
        "properties": {
            "status": _status(200),
            "data": {
                "type": OBJ,
                "properties": {"email": {"type": "string"}, "user": _ref("User")},
                "required": ["email", "user"],
            },
            "meta": {
                "type": OBJ,
                "properties": {"is_authenticating": {"type": "boolean"}},
                "required": ["is_authenticating"],
            },
        },
        "required": ["status", "data", "meta"],
    },
    "PasswordResetInfoResponse": _ok(
        {"type": OBJ, "properties": {"user": _ref("User")}, "required": ["user"]}
    ),
    "Authenticator": {
        "type": OBJ,
        "properties": {
            "type": {"type": "string", "enum": ["totp", "recovery_codes", "webauthn"]},
            "created_at": _ref("Timestamp"),
            "last_used_at": {"anyOf": [_ref("Timestamp"), {"type": "null"}]},
            "total_code_count": {"type": "integer"},
            "unused_code_count": {"type": "integer"},
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "is_passwordless": {"type": "boolean"},
        },
        "required": ["type", "created_at", "last_used_at"],
    },
    "AuthenticatorsResponse": _ok({"type": "array", "items": _ref("Authenticator")}),
    "AuthenticatorResponse": {
        "type": OBJ,
        "properties": {
            "status": _status(200),
            "data": _ref("Authenticator"),
            "meta": {
                "type": OBJ,
                "properties": {"recovery_codes_generated": {"type": "boolean"}},
            },
        },
        "required": ["status", "data"],
    },
    "TOTPNotFoundResponse": {
        "type": OBJ,
        "description": "No authenticator app yet: the seed to set one up (kept in this session "
        "until it is proven).",
        "properties": {
            "status": _status(404),
            "meta": {
                "type": OBJ,
                "properties": {"secret": {"type": "string"}, "totp_url": {"type": "string"}},
                "required": ["secret", "totp_url"],
            },
        },
        "required": ["status"],
    },
    "RecoveryCodesResponse": {
        "type": OBJ,
        "description": "`unused_codes` holds the codes only within a few minutes of their "
        "generation, in the session that made them (they are stored hashed).",
        "properties": {
            "status": _status(200),
            "data": {
                "allOf": [
                    _ref("Authenticator"),
                    {
                        "type": OBJ,
                        "properties": {
                            "unused_codes": {"type": "array", "items": {"type": "string"}}
                        },
                        "required": ["unused_codes", "total_code_count", "unused_code_count"],
                    },
                ]
            },
        },
        "required": ["status", "data"],
    },
    "WebAuthnRequestOptions": _ok(
        {
            "type": OBJ,
            "properties": {
                "request_options": {
                    "type": OBJ,
                    "properties": {"publicKey": {"type": OBJ}},
                    "required": ["publicKey"],
                }
            },
            "required": ["request_options"],
        }
    ),
    "WebAuthnCreationOptions": _ok(
        {
            "type": OBJ,
            "properties": {
                "creation_options": {
                    "type": OBJ,
                    "properties": {"publicKey": {"type": OBJ}},
                    "required": ["publicKey"],
                }
            },
            "required": ["creation_options"],
        }
    ),
    "RefreshTokenResponse": _ok(
        {
            "type": OBJ,
            "properties": {
                "access_token": {"type": "string"},
                "refresh_token": {
                    "type": "string",
                    "description": "With rotation: the next refresh token. The one just "
                    "used is spent: presenting it again ends the session.",
                },
            },
            "required": ["access_token"],
        }
    ),
    "Session": {
        "type": OBJ,
        "properties": {
            "id": {"type": "integer"},
            "user_agent": {"type": "string"},
            "ip": {"type": "string"},
            "created_at": _ref("Timestamp"),
            "last_seen_at": _ref("Timestamp"),
            "is_current": {"type": "boolean"},
        },
        "required": ["id", "user_agent", "ip", "created_at", "is_current"],
    },
    "Provider": {
        "type": OBJ,
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "client_id": {"type": "string"},
            "flows": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["id", "name", "flows"],
    },
    "ProviderAccountInfo": {
        "type": OBJ,
        "properties": {
            "uid": {"type": "string"},
            "display": {"type": "string"},
            "provider": _ref("Provider"),
        },
        "required": ["uid", "display", "provider"],
    },
    "ProviderAccountsResponse": _ok({"type": "array", "items": _ref("ProviderAccountInfo")}),
    "ProviderSignupInfoResponse": _ok(
        {
            "type": OBJ,
            "properties": {
                "email": {
                    "type": "array",
                    "items": {
                        "type": OBJ,
                        "properties": {
                            "email": {"type": "string"},
                            "verified": {"type": "boolean"},
                            "primary": {"type": "boolean"},
                        },
                        "required": ["email", "verified", "primary"],
                    },
                },
                "account": _ref("ProviderAccountInfo"),
                "user": {
                    "type": OBJ,
                    "properties": {
                        "username": {"type": "string"},
                        "email": {"type": "string"},
                    },
                },
            },
            "required": ["email", "account", "user"],
        }
    ),
    "SessionsResponse": {
        "type": OBJ,
        "properties": {"status": _status(200), "data": {"type": "array", "items": _ref("Session")}},
        "required": ["status", "data"],
    },
}


def _resp(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RESPONSES = {
    "200": lambda schema: _resp("Success.", _ref(schema)),
    "400": _resp("Invalid input, or the action was refused.", _ref("ErrorResponse")),
    "401": _resp(
        "Not signed in (the flows to start or continue), or signed in but a recent "
        "reauthentication is needed.",
        {"anyOf": [_ref("AuthenticationResponse"), _ref("ReauthenticationResponse")]},
    ),
    "302": {
        "description": "To the provider; or back to `callback_url` with `?error=` when the "
        "login cannot start."
    },
    "403": _resp(
        "Forbidden: CSRF check failed (browser client), or signup is closed.",
        _ref("ErrorResponse"),
    ),
    "404": _resp("Not found.", _ref("NotFoundResponse")),
    "409": _resp("Conflict with the state of the session.", _ref("ConflictResponse")),
    "410": _resp("The session is gone.", _ref("SessionGoneResponse")),
    "429": _resp("Too many attempts: wait, then retry.", _ref("ErrorResponse")),
}

# path -> method -> (summary, tag, 200 schema or None, other statuses, request headers)
OPERATIONS = {
    "config": {"GET": ("Get the configuration", "Configuration", "ConfigurationResponse", "", ())},
    "auth/login": {
        "POST": (
            "Log in with a password",
            "Authentication",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "auth/signup": {
        "POST": ("Sign up", "Authentication", "AuthenticatedResponse", "400 401 403 409 429", ()),
    },
    "auth/session": {
        "GET": ("Get the authentication state", "Session", "AuthenticatedResponse", "401 410", ()),
        "DELETE": ("Log out", "Session", None, "401 403", ()),
    },
    "auth/reauthenticate": {
        "POST": (
            "Reauthenticate with the password",
            "Authentication",
            "AuthenticatedResponse",
            "400 401 403 429",
            (),
        ),
    },
    "auth/2fa/authenticate": {
        "POST": (
            "Second login step with a code",
            "Two-factor",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "auth/2fa/reauthenticate": {
        "POST": (
            "Reauthenticate with a code",
            "Two-factor",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "auth/email/verify": {
        "GET": (
            "Look up an email verification key",
            "Email",
            "EmailVerificationInfoResponse",
            "400",
            ("X-Email-Verification-Key",),
        ),
        "POST": (
            "Verify an email address (the key of the link, or the mailed code)",
            "Email",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "auth/password/request": {
        "POST": (
            "Request a password reset mail (a link, or a code: then 401 with the pending "
            "`password_reset_by_code` flow)",
            "Password",
            "StatusOK",
            "400 401 403 429",
            (),
        ),
    },
    "auth/password/reset": {
        "GET": (
            "Look up a password reset key",
            "Password",
            "PasswordResetInfoResponse",
            "400 409 429",
            ("X-Password-Reset-Key",),
        ),
        "POST": ("Reset the password", "Password", None, "400 401 403 409 429", ()),
    },
    "auth/sessions": {
        "GET": ("List the sessions", "Sessions", "SessionsResponse", "401", ()),
        "DELETE": ("End sessions", "Sessions", "SessionsResponse", "400 401 403", ()),
    },
    "account/email": {
        "GET": ("List email addresses", "Email", "EmailAddressesResponse", "401", ()),
        "POST": ("Add an email address", "Email", "EmailAddressesResponse", "400 401 403 429", ()),
        "PUT": ("Resend the verification mail", "Email", "StatusOK", "400 401 403 429", ()),
        "PATCH": (
            "Make an address primary",
            "Email",
            "EmailAddressesResponse",
            "400 401 403 429",
            (),
        ),
        "DELETE": (
            "Remove an email address",
            "Email",
            "EmailAddressesResponse",
            "400 401 403 429",
            (),
        ),
    },
    "account/password/change": {
        "POST": (
            "Change (or set) the password",
            "Password",
            "AuthenticatedResponse",
            "400 401 403 429",
            (),
        ),
    },
    "account/authenticators": {
        "GET": ("List authenticators", "Two-factor", "AuthenticatorsResponse", "401", ()),
    },
    "account/authenticators/totp": {
        "GET": (
            "Authenticator app status (or a seed to set one up)",
            "Two-factor",
            "AuthenticatorResponse",
            "401 404",
            (),
        ),
        "POST": (
            "Turn the authenticator app on",
            "Two-factor",
            "AuthenticatorResponse",
            "400 401 403 409",
            (),
        ),
        "DELETE": ("Turn the authenticator app off", "Two-factor", "StatusOK", "401 403 404", ()),
    },
    "auth/webauthn/authenticate": {
        "GET": (
            "Key options for the second login step",
            "WebAuthn",
            "WebAuthnRequestOptions",
            "409",
            (),
        ),
        "POST": (
            "Second login step with a key",
            "WebAuthn",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "auth/webauthn/reauthenticate": {
        "GET": (
            "Key options for reauthentication",
            "WebAuthn",
            "WebAuthnRequestOptions",
            "401 409",
            (),
        ),
        "POST": (
            "Reauthenticate with a key",
            "WebAuthn",
            "AuthenticatedResponse",
            "400 401 403 429",
            (),
        ),
    },
    "auth/webauthn/login": {
        "GET": ("Passkey options for login", "WebAuthn", "WebAuthnRequestOptions", "409", ()),
        "POST": (
            "Sign in with a passkey",
            "WebAuthn",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "account/authenticators/webauthn": {
        "GET": (
            "Options to register a key (`?passwordless`: a passkey)",
            "WebAuthn",
            "WebAuthnCreationOptions",
            "401",
            ("?passwordless",),
        ),
        "POST": ("Register a key", "WebAuthn", "AuthenticatorResponse", "400 401 403", ()),
        "PUT": ("Rename a key", "WebAuthn", "AuthenticatorResponse", "400 401 403 404", ()),
        "DELETE": ("Remove keys", "WebAuthn", "StatusOK", "400 401 403", ()),
    },
    "tokens/refresh": {
        "POST": (
            "Refresh the access token (JWT strategy; app client only)",
            "Tokens",
            "RefreshTokenResponse",
            "400",
            (),
        ),
    },
    "account/authenticators/recovery-codes": {
        "GET": ("Recovery codes", "Two-factor", "RecoveryCodesResponse", "401 404", ()),
        "POST": (
            "Regenerate recovery codes",
            "Two-factor",
            "RecoveryCodesResponse",
            "400 401 403",
            (),
        ),
    },
    "auth/provider/redirect": {
        "POST": (
            "Start a provider login (browser form POST)",
            "Providers",
            None,
            "302 400 403 404 429",
            (),
        ),
    },
    "auth/provider/token": {
        "POST": (
            "Sign in or connect with a provider's ID token",
            "Providers",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "auth/provider/signup": {
        "GET": (
            "The pending social signup (what the provider said)",
            "Providers",
            "ProviderSignupInfoResponse",
            "409",
            (),
        ),
        "POST": (
            "Finish the pending social signup",
            "Providers",
            "AuthenticatedResponse",
            "400 401 403 409 429",
            (),
        ),
    },
    "account/providers": {
        "GET": ("List connected accounts", "Providers", "ProviderAccountsResponse", "401", ()),
        "DELETE": (
            "Disconnect an account",
            "Providers",
            "ProviderAccountsResponse",
            "400 401 403 409 429",
            (),
        ),
    },
}
OPERATIONS.update(
    {
        "auth/code/request": {
            "POST": (
                "Request a login code by mail",
                "Login by code",
                None,
                "400 401 403 404 409 429",
                (),
            ),
        },
        "auth/code/confirm": {
            "POST": (
                "Confirm the login code",
                "Login by code",
                "AuthenticatedResponse",
                "400 401 403 404 409 429",
                (),
            ),
        },
        "auth/code/resend": {
            "POST": ("Resend the login code", "Login by code", "StatusOK", "403 404 409 429", ()),
        },
        "auth/email/verify/resend": {
            "POST": (
                "Resend the email verification code",
                "Email",
                "StatusOK",
                "403 404 409 429",
                (),
            ),
        },
        "auth/2fa/trust": {
            "POST": (
                "Trust this browser (or not), ending the login",
                "Two-factor",
                "AuthenticatedResponse",
                "400 401 403 404 409",
                (),
            ),
        },
        "auth/webauthn/signup": {
            "POST": (
                "Start a passkey signup (no password)",
                "WebAuthn",
                None,
                "400 401 403 404 409 429",
                (),
            ),
            "GET": (
                "Passkey options of the pending passkey signup",
                "WebAuthn",
                "WebAuthnCreationOptions",
                "404 409",
                (),
            ),
            "PUT": (
                "Complete the passkey signup",
                "WebAuthn",
                "AuthenticatedResponse",
                "400 401 403 404 409 429",
                (),
            ),
        },
    }
)

DESCRIPTION = """\
A JSON API for single-page and mobile apps, compatible with django-allauth's headless API.

Two clients share every endpoint: `browser` (the session cookie; unsafe methods need the CSRF
token in `X-CSRFToken`, readable from the `csrftoken` cookie the API sets) and `app` (no
cookies: send the `session_token` of the last answer as `X-Session-Token`).

Every answer is an envelope: `status` (the HTTP status), then `data`, `meta` or `errors`. A
401 lists `flows`: what a client can do next (`login`, `signup`), the step in progress
(`is_pending`: `mfa_authenticate`, `verify_email`), or how to reauthenticate
(`reauthenticate`, `mfa_reauthenticate`) before repeating an action that needs a recent
authentication.
"""


ONE_CLIENT = {"tokens/refresh": "app", "auth/provider/redirect": "browser"}
FORM_BODIES = {
    "auth/provider/redirect": {
        "type": OBJ,
        "properties": {
            "provider": {"type": "string", "maxLength": 200, "examples": ["idp"]},
            "callback_url": {
                "type": "string",
                "maxLength": 2048,
                "description": "The front end's page to come back to (must be allowed by "
                "the account adapter's `is_safe_url`); `?error=` is added on failure.",
            },
            "process": {"type": "string", "enum": ["login", "connect"]},
            "csrfmiddlewaretoken": {"type": "string"},
        },
        "required": ["provider", "callback_url", "process"],
    }
}


def _operation(route, method, entry, view):
    summary, tag, ok, others, headers = entry
    handler = view.headless_methods[method]
    op_id = f"{method.lower()}_{route.replace('/', '_').replace('-', '_')}"
    op = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "parameters": [
            {"$ref": "#/components/parameters/Client"},
            {"$ref": "#/components/parameters/SessionToken"},
        ],
        "responses": {},
    }
    if route in ONE_CLIENT:
        op["parameters"] = [
            {
                "name": "client",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": [ONE_CLIENT[route]]},
            }
        ]
    if route in FORM_BODIES:
        op["requestBody"] = {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": FORM_BODIES[route]}},
        }
    if handler.__doc__:
        op["description"] = handler.__doc__.strip()
    for header in headers:
        if header.startswith("?"):
            op["parameters"].append(
                {
                    "name": header[1:],
                    "in": "query",
                    "required": False,
                    "description": "Present (any value): a passkey instead of a security key.",
                    "schema": {"type": "string"},
                }
            )
            continue
        op["parameters"].append(
            {
                "name": header,
                "in": "header",
                "required": True,
                "schema": {"type": "string", "maxLength": 1024},
            }
        )
    if handler.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(handler.body.__name__)}},
        }
    if ok:
        op["responses"]["200"] = RESPONSES["200"](ok)
    for code in others.split():
        op["responses"][code] = copy.deepcopy(RESPONSES[code])
    return op


def _body_schemas():
    schemas = {}
    for model in inputs.ALL:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[model.__name__] = schema
    return schemas


@functools.cache
def build_spec() -> dict:
    """The whole document (built once per process)."""
    views = {route: view for route, view, _name in routes.ROUTES}
    paths = {}
    for route, ops in OPERATIONS.items():
        view = views[route]
        assert set(ops) == set(view.headless_methods), route
        paths[f"/_allauth/{{client}}/v1/{route}"] = {
            method.lower(): _operation(route, method, entry, view) for method, entry in ops.items()
        }
    missing = set(views) - set(OPERATIONS)
    assert not missing, f"endpoints without a description: {missing}"
    return {
        "openapi": "3.1.0",
        "info": {"title": "Account site: headless API", "version": "1", "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **_body_schemas()},
            "parameters": {
                "Client": {
                    "name": "client",
                    "in": "path",
                    "required": True,
                    "description": "`browser` (cookie + CSRF) or `app` (X-Session-Token).",
                    "schema": {"type": "string", "enum": ["browser", "app"]},
                },
                "SessionToken": {
                    "name": "X-Session-Token",
                    "in": "header",
                    "required": False,
                    "description": "`app` client: the session token of the last answer.",
                    "schema": {"type": "string", "maxLength": 64},
                },
            },
        },
    }


def spec_for(request) -> dict:
    spec = copy.deepcopy(build_spec())
    spec["servers"] = [
        {"url": app_settings.SPECIFICATION_SERVER_URL or request.build_absolute_uri("/")[:-1]}
    ]
    return spec


def _served(view):
    @functools.wraps(view)
    def wrapped(request):
        if not app_settings.SERVE_SPECIFICATION:
            raise Http404
        return view(request)

    return require_GET(wrapped)


@_served
def openapi_json(request):
    return JsonResponse(spec_for(request), json_dumps_params={"indent": 1})


@_served
def openapi_yaml(request):
    # Round-trip through JSON so YAML gets plain types only.
    text = yaml.safe_dump(json.loads(json.dumps(spec_for(request))), sort_keys=False)
    return HttpResponse(text, content_type="application/yaml; charset=utf-8")


@_served
def docs(request):
    """Swagger UI, vendored under static/vendor/swagger-ui (no CDN; no inline script)."""
    return render(request, "headless/docs.html")
