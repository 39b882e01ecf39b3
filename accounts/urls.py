"""Account URLs: allauth's paths and URL names; two-factor, sessions and social accounts come from their apps."""

from django.urls import include, path, re_path

from accounts.views import auth, email, password, reauth

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
    # Two-factor authentication (accounts.mfa) and sessions (accounts.usersessions)
    path("2fa/", include("accounts.mfa.urls")),
    path("", include("accounts.usersessions.urls")),
    # Social accounts (accounts.socialaccount)
    path("", include("accounts.socialaccount.urls")),
]
