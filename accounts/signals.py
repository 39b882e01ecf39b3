"""The signals of the account flows, with django-allauth's names and arguments.

A receiver written for allauth works here with only its import changed. Every signal is sent
with ``.send()`` inside the flow's transaction: a receiver that raises makes the flow fail.
"""

from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import Signal

__all__ = [
    "_add_email",
    "authentication_failed",
    "authentication_step_completed",
    "authenticator_added",
    "authenticator_removed",
    "authenticator_reset",
    "authenticator_used",
    "email_added",
    "email_changed",
    "email_confirmation_sent",
    "email_confirmed",
    "email_removed",
    "password_changed",
    "password_reset",
    "password_set",
    "pre_social_login",
    "social_account_added",
    "social_account_removed",
    "social_account_updated",
    "user_logged_in",
    "user_logged_out",
    "user_login_failed",
    "user_signed_up",
]

# sender=user.__class__; kwargs: request, response, user, and sociallogin after a social login.
# Sent once a login completed every step (password, then the second factor if any). Not sent
# by ``client.force_login``.
user_logged_in = Signal()

# Django's own signals, re-exported:
# user_logged_out: sender=user.__class__; kwargs: request, user.
# user_login_failed: sender="django.contrib.auth"; kwargs: credentials (cleansed), request.

# sender=user.__class__; kwargs: request, user, and sociallogin for a social signup. Signup
# created the account.
user_signed_up = Signal()

# sender=user.__class__; kwargs: request, user. A user with no usable password set one.
password_set = Signal()

# sender=user.__class__; kwargs: request, user. The password was changed with the old one.
password_changed = Signal()

# sender=user.__class__; kwargs: request, user. A reset by emailed link completed.
password_reset = Signal()

# sender=EmailAddress; kwargs: request, email_address. An address was verified.
email_confirmed = Signal()

# sender=EmailConfirmation; kwargs: request, confirmation, signup. A verification mail went out.
email_confirmation_sent = Signal()

# sender=EmailAddress; kwargs: request, user, email_address. A logged-in user added an address.
email_added = Signal()

# sender=EmailAddress; kwargs: request, user, email_address. A user removed an address.
email_removed = Signal()

# sender=EmailAddress; kwargs: request, user, from_email_address, to_email_address.
# The existing primary address was replaced by another (never sent for a first primary).
email_changed = Signal()

# sender=user.__class__; kwargs: request, user, method, plus per method:
#   "password": username and/or email (login) or reauthenticated=True;
#   "totp" / "recovery_codes": type, id, and reauthenticated=True when reauthenticating;
#   "webauthn": type, id, passwordless=True for passkey login, reauthenticated=True;
#   "socialaccount": provider (the provider id), uid (the identity at the provider).
authentication_step_completed = Signal()

# sender=user.__class__; kwargs: email, user. Private: sent before an address is added; a
# receiver may raise ValidationError to veto it.
_add_email = Signal()

# MFA signals (allauth.mfa.signals). sender=Authenticator; kwargs: request, user, authenticator.
authenticator_added = Signal()
authenticator_removed = Signal()
# Recovery codes regenerated.
authenticator_reset = Signal()
# kwargs also: reauthenticated, passwordless.
authenticator_used = Signal()
# kwargs also: reauthentication.
authentication_failed = Signal()

# Social account signals (allauth.socialaccount.signals).
# sender=SocialLogin; kwargs: request, sociallogin. The provider answered; sent before the
# login, signup or connect it leads to.
pre_social_login = Signal()
# sender=SocialLogin; kwargs: request, sociallogin. A social account was connected to a user.
social_account_added = Signal()
# sender=SocialLogin; kwargs: request, sociallogin. A connected social account signed in or was
# connected again; its data (and tokens) were refreshed.
social_account_updated = Signal()
# sender=SocialAccount; kwargs: request, socialaccount. A social account was disconnected.
social_account_removed = Signal()

# --- Project signals beyond allauth's (security events the activity app records) ----------

# sender=user.__class__; kwargs: request, user, actor, count, scope. Sessions of ``user`` were
# ended by ``actor`` (the user, or staff in the admin); scope is "one", "others" or "all".
sessions_ended = Signal()

# sender=user.__class__; kwargs: request, user. A login completed from a browser and network
# never seen for this user before (the user was mailed a notice).
new_device_login = Signal()

# sender=None; kwargs: request, action, user (the resolved account or None). A rate limit or
# lockout refused a request.
rate_limited = Signal()

# sender=user.__class__ or None; kwargs: request, user, reason, details (dict). Something that
# looks like an attack, e.g. a WebAuthn sign count that did not increase (a cloned key).
suspicious_activity = Signal()
