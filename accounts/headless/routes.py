"""The endpoints under ``/_allauth/<client>/v1/``: ``urls.py`` mounts them, ``spec.py``
describes them."""

from accounts.headless import codes, social, views, webauthn

ROUTES = [
    ("config", views.config, "config"),
    ("auth/login", views.auth_login, "login"),
    ("auth/signup", views.auth_signup, "signup"),
    ("auth/session", views.auth_session, "session"),
    ("auth/reauthenticate", views.auth_reauthenticate, "reauthenticate"),
    ("auth/2fa/authenticate", views.auth_2fa_authenticate, "mfa_authenticate"),
    ("auth/2fa/reauthenticate", views.auth_2fa_reauthenticate, "mfa_reauthenticate"),
    ("auth/email/verify", codes.auth_email_verify, "verify_email"),
    ("auth/password/request", codes.auth_password_request, "request_password"),
    ("auth/password/reset", codes.auth_password_reset, "reset_password"),
    ("auth/sessions", views.auth_sessions, "sessions"),
    ("account/email", views.account_email, "manage_email"),
    ("account/password/change", views.account_password_change, "change_password"),
    ("account/authenticators", views.account_authenticators, "authenticators"),
    ("account/authenticators/totp", views.account_totp, "totp"),
    ("account/authenticators/recovery-codes", views.account_recovery_codes, "recovery_codes"),
]
ROUTES += [
    ("auth/webauthn/authenticate", webauthn.auth_webauthn_authenticate, "webauthn_authenticate"),
    (
        "auth/webauthn/reauthenticate",
        webauthn.auth_webauthn_reauthenticate,
        "webauthn_reauthenticate",
    ),
    ("auth/webauthn/login", webauthn.auth_webauthn_login, "webauthn_login"),
    ("account/authenticators/webauthn", webauthn.account_webauthn, "webauthn"),
]
ROUTES.append(("tokens/refresh", views.tokens_refresh, "tokens_refresh"))
ROUTES += [
    ("auth/provider/redirect", social.auth_provider_redirect, "provider_redirect"),
    ("auth/provider/token", social.auth_provider_token, "provider_token"),
    ("auth/provider/signup", social.auth_provider_signup, "provider_signup"),
    ("account/providers", social.account_providers, "providers"),
    ("auth/code/request", codes.auth_code_request, "request_login_code"),
    ("auth/code/confirm", codes.auth_code_confirm, "confirm_login_code"),
    ("auth/code/resend", codes.auth_code_resend, "resend_login_code"),
    ("auth/email/verify/resend", codes.auth_email_verify_resend, "resend_email_verification"),
    ("auth/2fa/trust", codes.auth_2fa_trust, "mfa_trust"),
    ("auth/webauthn/signup", codes.auth_webauthn_signup, "webauthn_signup"),
]
