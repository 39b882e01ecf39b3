"""Placeholder views, replaced when this area's issue lands."""

from django.http import Http404


def index(request, *args, **kwargs):
    raise Http404("Not built yet.")


def authenticate(request, *args, **kwargs):
    raise Http404("Not built yet.")


def reauthenticate(request, *args, **kwargs):
    raise Http404("Not built yet.")


def activate_totp(request, *args, **kwargs):
    raise Http404("Not built yet.")


def deactivate_totp(request, *args, **kwargs):
    raise Http404("Not built yet.")


def view_recovery_codes(request, *args, **kwargs):
    raise Http404("Not built yet.")


def generate_recovery_codes(request, *args, **kwargs):
    raise Http404("Not built yet.")


def download_recovery_codes(request, *args, **kwargs):
    raise Http404("Not built yet.")
