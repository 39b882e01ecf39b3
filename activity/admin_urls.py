"""Admin URLs the activity app adds to the project's AdminSite (the dashboard)."""

from functools import partial

from django.urls import path


def get_dashboard_urls(admin_site):
    """``/admin/activity/dashboard/`` as ``admin:activity_dashboard``, behind ``admin_view``."""
    from activity import views

    view = admin_site.admin_view(partial(views.dashboard, admin_site=admin_site))
    return [path("activity/dashboard/", view, name="activity_dashboard")]
