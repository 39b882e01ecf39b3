"""The user's own activity page, mounted at /accounts/activity/ (config/urls.py)."""

from django.urls import path

from activity import views

urlpatterns = [
    path("", views.my_activity, name="account_activity"),
]
