"""Two-factor URLs under /accounts/2fa/: allauth's paths and names."""

from django.urls import path

from accounts.mfa.base import views as base
from accounts.mfa.recovery_codes import views as recovery_codes
from accounts.mfa.totp import views as totp
from accounts.mfa.trust import views as trust
from accounts.mfa.webauthn import views as webauthn

urlpatterns = [
    path("", base.index, name="mfa_index"),
    path("authenticate/", base.authenticate, name="mfa_authenticate"),
    path("reauthenticate/", base.reauthenticate, name="mfa_reauthenticate"),
    path("trust/", trust.trust, name="mfa_trust"),
    path("trust/revoke/", trust.revoke, name="mfa_revoke_trust"),
    path("totp/activate/", totp.activate_totp, name="mfa_activate_totp"),
    path("totp/deactivate/", totp.deactivate_totp, name="mfa_deactivate_totp"),
    path("recovery-codes/", recovery_codes.view_recovery_codes, name="mfa_view_recovery_codes"),
    path(
        "recovery-codes/generate/",
        recovery_codes.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path(
        "recovery-codes/download/",
        recovery_codes.download_recovery_codes,
        name="mfa_download_recovery_codes",
    ),
    path("webauthn/", webauthn.list_keys, name="mfa_list_webauthn"),
    path("webauthn/add/", webauthn.add_key, name="mfa_add_webauthn"),
    path("webauthn/keys/<int:pk>/edit/", webauthn.edit_key, name="mfa_edit_webauthn"),
    path("webauthn/keys/<int:pk>/remove/", webauthn.remove_key, name="mfa_remove_webauthn"),
    path("webauthn/login/", webauthn.login, name="mfa_login_webauthn"),
    path("webauthn/reauthenticate/", webauthn.reauthenticate, name="mfa_reauthenticate_webauthn"),
]
