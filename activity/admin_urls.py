"""Admin URLs the activity app adds to the project's AdminSite (the dashboard)."""


def get_dashboard_urls(admin_site):
    return []
