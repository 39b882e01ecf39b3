"""Placeholder views, replaced when this area's issue lands."""

from django.http import Http404


def email(request, *args, **kwargs):
    raise Http404("Not built yet.")


def confirm_email(request, *args, **kwargs):
    raise Http404("Not built yet.")
