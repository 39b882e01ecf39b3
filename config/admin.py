"""The project's AdminSite.

Its login view redirects to ``/accounts/login/`` so the admin gets the same rate limits and
second factor as the site; its password change and logout are the site's too, so they run
the site's flows (signals, notices, session records). The activity app adds the dashboard
through ``get_dashboard_urls``.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SiteAdmin(admin.AdminSite):
    site_header = _("Account site administration")
    site_title = _("Account site admin")
    index_title = _("Administration")

    def login(self, request, extra_context=None):
        """Send every admin login through the site's login flow, keeping ``next``.

        A signed-in user without admin access gets 403: the site's login page sends
        signed-in users back to ``next``, which would be a redirect loop.
        """
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")

    def password_change(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("account_change_password"))

    def logout(self, request, extra_context=None):
        from accounts.views.auth import logout

        return logout(request)

    def get_urls(self):
        from activity.admin_urls import get_dashboard_urls

        return get_dashboard_urls(self) + super().get_urls()
