from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from accounts.views.preferences import set_language

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/activity/", include("activity.urls")),
    path("accounts/", include("accounts.urls")),
    path("_allauth/", include("accounts.headless.urls")),
    path("admin/", admin.site.urls),
    # Django's language switcher (the cookie, a safe ``next``), remembering a user's choice.
    path("i18n/setlang/", set_language, name="set_language"),
]
