"""Account URLs: allauth's paths and URL names (see shared/notes/contract.md)."""

from django.urls import path, re_path

from accounts.views import auth, email, mfa, password, reauth, sessions, webauthn

urlpatterns = [
    # Signup, login, logout (views/auth.py)
    path("signup/", auth.signup, name="account_signup"),
    path("login/", auth.login, name="account_login"),
    path("logout/", auth.logout, name="account_logout"),
    path("inactive/", auth.inactive, name="account_inactive"),
    # Reauthentication (views/reauth.py)
    path("reauthenticate/", reauth.reauthenticate, name="account_reauthenticate"),
    # Email addresses (views/email.py)
    path("email/", email.email, name="account_email"),
    path("confirm-email/", auth.email_verification_sent, name="account_email_verification_sent"),
    path("confirm-email/<str:key>/", email.confirm_email, name="account_confirm_email"),
    # Passwords (views/password.py)
    path("password/change/", password.change_password, name="account_change_password"),
    path("password/set/", password.set_password, name="account_set_password"),
    path("password/reset/", password.reset_password, name="account_reset_password"),
    path("password/reset/done/", password.reset_password_done, name="account_reset_password_done"),
    path(
        "password/reset/key/done/",
        password.reset_password_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        password.reset_password_from_key,
        name="account_reset_password_from_key",
    ),
    # Two-factor authentication (views/mfa.py)
    path("2fa/", mfa.index, name="mfa_index"),
    path("2fa/authenticate/", mfa.authenticate, name="mfa_authenticate"),
    path("2fa/reauthenticate/", mfa.reauthenticate, name="mfa_reauthenticate"),
    path("2fa/totp/activate/", mfa.activate_totp, name="mfa_activate_totp"),
    path("2fa/totp/deactivate/", mfa.deactivate_totp, name="mfa_deactivate_totp"),
    path("2fa/recovery-codes/", mfa.view_recovery_codes, name="mfa_view_recovery_codes"),
    path(
        "2fa/recovery-codes/generate/",
        mfa.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path(
        "2fa/recovery-codes/download/",
        mfa.download_recovery_codes,
        name="mfa_download_recovery_codes",
    ),
    # WebAuthn (views/webauthn.py)
    path("2fa/webauthn/", webauthn.list_keys, name="mfa_list_webauthn"),
    path("2fa/webauthn/add/", webauthn.add_key, name="mfa_add_webauthn"),
    path("2fa/webauthn/keys/<int:pk>/edit/", webauthn.edit_key, name="mfa_edit_webauthn"),
    path("2fa/webauthn/keys/<int:pk>/remove/", webauthn.remove_key, name="mfa_remove_webauthn"),
    path("2fa/webauthn/login/", webauthn.login, name="mfa_login_webauthn"),
    path(
        "2fa/webauthn/reauthenticate/",
        webauthn.reauthenticate,
        name="mfa_reauthenticate_webauthn",
    ),
    # Sessions (views/sessions.py)
    path("sessions/", sessions.list_sessions, name="usersessions_list"),
]
