"""The activity summary on the admin index (two aggregate queries)."""

from django import template

from activity import selectors
from activity.views import DASHBOARD_PERMISSIONS

register = template.Library()


@register.inclusion_tag("admin/activity/_summary.html", takes_context=True)
def activity_summary(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perms(DASHBOARD_PERMISSIONS):
        return {"show": False}
    return {"show": True, "summary": selectors.index_summary()}
