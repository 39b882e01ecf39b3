"""Social account URLs: allauth's paths and URL names."""

from django.urls import include, path

from accounts.socialaccount import views

PROVIDERS = ("github", "google", "microsoft")

urlpatterns = [
    path(
        "3rdparty/",
        include(
            [
                path("", views.connections, name="socialaccount_connections"),
                path("signup/", views.signup, name="socialaccount_signup"),
                path(
                    "login/cancelled/",
                    views.login_cancelled,
                    name="socialaccount_login_cancelled",
                ),
                path("login/error/", views.login_error, name="socialaccount_login_error"),
            ]
        ),
    ),
    path(
        "oidc/<str:provider_id>/login/",
        views.make_login_view("openid_connect"),
        name="openid_connect_login",
    ),
    path(
        "oidc/<str:provider_id>/login/callback/",
        views.make_callback_view("openid_connect"),
        name="openid_connect_callback",
    ),
]
for _kind in PROVIDERS:
    urlpatterns += [
        path(f"{_kind}/login/", views.make_login_view(_kind), name=f"{_kind}_login"),
        path(
            f"{_kind}/login/callback/",
            views.make_callback_view(_kind),
            name=f"{_kind}_callback",
        ),
    ]
