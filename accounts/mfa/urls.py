"""Two-factor URLs under /accounts/2fa/: allauth's paths and names."""

from django.urls import path

from accounts.mfa.base import views as base
from accounts.mfa.recovery_codes import views as recovery_codes
from accounts.mfa.switches import for_type, only_if, passkey_login_enabled
from accounts.mfa.totp import views as totp
from accounts.mfa.trust import views as trust
from accounts.mfa.webauthn import signup_views as webauthn_signup
from accounts.mfa.webauthn import views as webauthn

# MFA_SUPPORTED_TYPES / MFA_PASSKEY_LOGIN_ENABLED: a switched-off feature's pages answer 404.
TOTP, CODES, KEYS = for_type("totp"), for_type("recovery_codes"), for_type("webauthn")

urlpatterns = [
    path("", base.index, name="mfa_index"),
    path("authenticate/", base.authenticate, name="mfa_authenticate"),
    path("reauthenticate/", base.reauthenticate, name="mfa_reauthenticate"),
    path("trust/", trust.trust, name="mfa_trust"),
    path("trust/revoke/", trust.revoke, name="mfa_revoke_trust"),
    path("totp/activate/", TOTP(totp.activate_totp), name="mfa_activate_totp"),
    path("totp/deactivate/", TOTP(totp.deactivate_totp), name="mfa_deactivate_totp"),
    path(
        "recovery-codes/", CODES(recovery_codes.view_recovery_codes), name="mfa_view_recovery_codes"
    ),
    path(
        "recovery-codes/generate/",
        CODES(recovery_codes.generate_recovery_codes),
        name="mfa_generate_recovery_codes",
    ),
    path(
        "recovery-codes/download/",
        CODES(recovery_codes.download_recovery_codes),
        name="mfa_download_recovery_codes",
    ),
    path("webauthn/", KEYS(webauthn.list_keys), name="mfa_list_webauthn"),
    path("webauthn/add/", KEYS(webauthn.add_key), name="mfa_add_webauthn"),
    path("webauthn/keys/<int:pk>/edit/", KEYS(webauthn.edit_key), name="mfa_edit_webauthn"),
    path("webauthn/keys/<int:pk>/remove/", KEYS(webauthn.remove_key), name="mfa_remove_webauthn"),
    path(
        "webauthn/login/", only_if(passkey_login_enabled)(webauthn.login), name="mfa_login_webauthn"
    ),
    path("webauthn/signup/", webauthn_signup.signup_webauthn, name="mfa_signup_webauthn"),
    path(
        "webauthn/reauthenticate/",
        KEYS(webauthn.reauthenticate),
        name="mfa_reauthenticate_webauthn",
    ),
]
