"""What every page may show about the viewer's language and time zone."""

from django.utils import timezone


def preferences(request):
    """``TIME_ZONE_NAME``: the zone times on this page are shown in, to name it beside them."""
    return {"TIME_ZONE_NAME": timezone.get_current_timezone_name()}
