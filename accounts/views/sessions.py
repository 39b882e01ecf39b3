"""Placeholder views, replaced when this area's issue lands."""

from django.http import Http404


def list_sessions(request, *args, **kwargs):
    raise Http404("Not built yet.")
