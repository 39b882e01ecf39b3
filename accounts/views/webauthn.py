"""Placeholder views, replaced when this area's issue lands."""

from django.http import Http404


def list_keys(request, *args, **kwargs):
    raise Http404("Not built yet.")


def add_key(request, *args, **kwargs):
    raise Http404("Not built yet.")


def edit_key(request, *args, **kwargs):
    raise Http404("Not built yet.")


def remove_key(request, *args, **kwargs):
    raise Http404("Not built yet.")


def login(request, *args, **kwargs):
    raise Http404("Not built yet.")


def reauthenticate(request, *args, **kwargs):
    raise Http404("Not built yet.")
