"""The project's AdminSite.

Its login view redirects to ``/accounts/login/`` so the admin gets the same rate limits and
second factor as the site. The activity app adds the dashboard through ``get_extra_urls``.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse


class SiteAdmin(admin.AdminSite):
    site_header = "Account site administration"
    site_title = "Account site admin"
    index_title = "Administration"

    def login(self, request, extra_context=None):
        """Send every admin login through the site's login flow, keeping ``next``."""
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")

    def get_urls(self):
        from activity.admin_urls import get_dashboard_urls

        return get_dashboard_urls(self) + super().get_urls()
