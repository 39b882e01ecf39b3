"""Account URLs: allauth's paths and URL names; two-factor, sessions and social accounts come from their apps."""

from django.urls import include, path, re_path

from accounts.views import auth, codes, data, email, passkey_signup, password, preferences, reauth

urlpatterns = [
    # Signup, login, logout (views/auth.py)
    path("signup/", auth.signup, name="account_signup"),
    path(
        "signup/passkey/",
        passkey_signup.signup_by_passkey_view,
        name="account_signup_by_passkey",
    ),
    path("invitation/<str:key>/", auth.invitation, name="account_invitation"),
    path("login/", auth.login, name="account_login"),
    path("logout/", auth.logout, name="account_logout"),
    path("inactive/", auth.inactive, name="account_inactive"),
    # Login by mailed code (views/codes.py; 404 unless ACCOUNT_LOGIN_BY_CODE_* is on)
    path("login/code/", codes.request_login_code, name="account_request_login_code"),
    path("login/code/confirm/", codes.confirm_login_code, name="account_confirm_login_code"),
    # Reauthentication (views/reauth.py)
    path("reauthenticate/", reauth.reauthenticate, name="account_reauthenticate"),
    # Email addresses (views/email.py)
    path("email/", email.email, name="account_email"),
    path("confirm-email/", codes.email_verification_sent, name="account_email_verification_sent"),
    path("confirm-email/<str:key>/", email.confirm_email, name="account_confirm_email"),
    # Passwords (views/password.py)
    path("password/change/", password.change_password, name="account_change_password"),
    path("password/set/", password.set_password, name="account_set_password"),
    path("password/reset/", password.reset_password, name="account_reset_password"),
    path("password/reset/done/", codes.password_reset_done, name="account_reset_password_done"),
    # Password reset by mailed code (views/codes.py; 404 unless ACCOUNT_PASSWORD_RESET_BY_CODE_*)
    path(
        "password/reset/confirm/",
        codes.confirm_password_reset_code,
        name="account_confirm_password_reset_code",
    ),
    path(
        "password/reset/complete/",
        codes.complete_password_reset,
        name="account_complete_password_reset",
    ),
    path(
        "password/reset/done/", codes.password_reset_done, name="account_password_reset_completed"
    ),
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
    # The user's own data (views/data.py)
    path("preferences/", preferences.preferences, name="account_preferences"),
    path("delete/", data.delete_account, name="account_delete"),
    path("delete/cancel/", data.cancel_deletion, name="account_delete_cancel"),
    path("export/", data.export_data, name="account_export"),
    # Two-factor authentication (accounts.mfa) and sessions (accounts.usersessions)
    path("2fa/", include("accounts.mfa.urls")),
    path("", include("accounts.usersessions.urls")),
    # Social accounts (accounts.socialaccount)
    path("", include("accounts.socialaccount.urls")),
]
