"""Authentication by username or by email address, both case-insensitively."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from accounts.users import find_user_by_login


class UsernameOrEmailBackend(ModelBackend):
    """``authenticate(request, username=<username or email>, password=...)``.

    Runs the hasher on a dummy when no user matches, so an unknown login costs the same time
    as a wrong password (no enumeration by timing).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD) or kwargs.get("email")
        if username is None or password is None:
            return None
        user = find_user_by_login(username, request=request)
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password):
            if self.user_can_authenticate(user):
                return user
            # Right password, inactive account: the login form shows the "inactive" page.
            # Told here so it need not run the hasher a second time (timing parity).
            if request is not None:
                request.inactive_login_user = user
        return None
