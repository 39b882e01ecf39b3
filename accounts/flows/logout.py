"""Logging out."""

from django.contrib.auth import logout as django_logout

from accounts.user_sessions import forget_session


def logout_user(request):
    """End this session; Django's ``logout`` sends ``user_logged_out``."""
    forget_session(request.session.session_key)
    django_logout(request)
