"""Placeholder views, replaced when this area's issue lands (WebAuthn)."""

from django.http import Http404, HttpResponseBadRequest


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


def authenticate_step(request, *, user, state):
    """The second login step with a security key: ``mfa_authenticate`` POSTed ``credential``.

    Called by ``views.mfa.authenticate`` during a pending login (``user``, ``state`` from
    ``flows.login.get_pending_login``). Returns a response.
    """
    return HttpResponseBadRequest("Security keys are not supported yet.")
