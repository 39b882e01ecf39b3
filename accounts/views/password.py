"""Placeholder views, replaced when this area's issue lands."""

from django.http import Http404


def change_password(request, *args, **kwargs):
    raise Http404("Not built yet.")


def set_password(request, *args, **kwargs):
    raise Http404("Not built yet.")


def reset_password(request, *args, **kwargs):
    raise Http404("Not built yet.")


def reset_password_done(request, *args, **kwargs):
    raise Http404("Not built yet.")


def reset_password_from_key_done(request, *args, **kwargs):
    raise Http404("Not built yet.")


def reset_password_from_key(request, *args, **kwargs):
    raise Http404("Not built yet.")
