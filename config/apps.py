from django.contrib.admin.apps import AdminConfig


class SiteAdminConfig(AdminConfig):
    """The admin, with our own AdminSite (dashboard URLs, login through /accounts/login/)."""

    default_site = "config.admin.SiteAdmin"
