"""The staff dashboard (an admin page) and the user's "Recent security activity" page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.devices import describe_user_agent
from activity import charts, integrity, selectors

DASHBOARD_PERMISSIONS = ("activity.view_loginlog", "activity.view_securitylog")


def dashboard(request, *, admin_site):
    """Logins, signups, failures by IP, security events and MFA adoption, as charts + tables.

    Wrapped in ``admin_site.admin_view`` (active staff only); staff also need the view
    permission on the logs, as they would to open the changelists.
    """
    if not request.user.has_perms(DASHBOARD_PERMISSIONS):
        raise PermissionDenied
    logins = selectors.login_counts_by_day(days=30)
    signups = selectors.signups_by_day(days=30)
    failed_ips = selectors.top_failed_ips(hours=24, limit=10)
    events = selectors.security_events_by_type(days=7)
    mfa_use = selectors.mfa_use_by_method(days=30)
    context = {
        **admin_site.each_context(request),
        "title": _("Activity dashboard"),
        "logins": logins,
        "logins_chart": charts.day_bars(
            logins,
            [("logins", _("Logins"), "bar-login"), ("failed", _("Failed logins"), "bar-failed")],
        ),
        "login_totals": {
            "logins": sum(row["logins"] for row in logins),
            "failed": sum(row["failed"] for row in logins),
        },
        "signups": signups,
        "signups_chart": charts.day_bars(signups, [("signups", _("Signups"), "bar-signup")]),
        "signup_total": sum(row["signups"] for row in signups),
        "failed_ips": failed_ips,
        "failed_ips_chart": charts.horizontal_bars(
            failed_ips, value_key="failed", label_key="ip_address", css="bar-failed"
        ),
        "events": events,
        "events_chart": charts.horizontal_bars(
            events, value_key="count", label_key="label", css="bar-event"
        ),
        "mfa": selectors.mfa_adoption(),
        "mfa_use": mfa_use,
        "mfa_use_chart": charts.horizontal_bars(
            mfa_use, value_key="used", label_key="label", css="bar-mfa"
        ),
        "recent_events": selectors.recent_security_events(limit=20),
        "suspicious": selectors.recent_suspicious_activity(limit=10),
        "verification": integrity.last_verification(),
    }
    return TemplateResponse(request, "admin/activity/dashboard.html", context)


@never_cache
@login_required
def my_activity(request):
    """What Google and GitHub show: recent sign-ins and security events, with IP and browser."""
    logins = selectors.user_logins(user=request.user, limit=50)
    events = selectors.user_security_events(user=request.user, limit=50)
    for row in (*logins, *events):
        row.browser = describe_user_agent(row.user_agent)
    return TemplateResponse(request, "activity/activity.html", {"logins": logins, "events": events})
