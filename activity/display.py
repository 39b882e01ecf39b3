"""Words for the codes the logs store: reasons, ``extra`` keys and values, browsers.

The rows keep English codes (``bad_credentials``, ``login_failed``); staff read these labels
in the admin, in their language. An unknown code is shown as it is, never hidden.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.devices import describe_user_agent

REASONS = {
    # failed logins
    "bad_credentials": _("Wrong password"),
    "unknown_account": _("Unknown account"),
    # logouts the user did not ask for ("" is an ordinary logout)
    "session_expired": _("Session expired"),
    "refresh_token_reuse": _("Refresh token used twice"),
}

# ``extra`` keys, as the receivers write them.
EXTRA_LABELS = {
    "email": _("Email address"),
    "signup": _("At signup"),
    "method": pgettext_lazy("authentication method", "Method"),
    "type": pgettext_lazy("authenticator type", "Type"),
    "id": _("Authenticator"),
    "authenticator_id": _("Authenticator"),
    "count": pgettext_lazy("number of items", "Count"),
    "scope": pgettext_lazy("which sessions", "Scope"),
    "action": _("Rate-limited action"),
    "actions": _("Rate-limited actions"),
    "reason": _("Reason"),
    "details": _("Details"),
    "provider": _("Provider"),
    "uid": _("Account ID at the provider"),
    "purpose": _("Purpose"),
    "resend": _("Sent again"),
    "last_attempt": _("Last attempt"),
    "invitation_id": _("Invitation"),
    "created_by": _("Created by"),
    "purge_after": _("Deleted after"),
    "ip": _("IP address"),
    "trial_started": _("Trial started"),
    "passwordless": _("Without password"),
    "reauthenticated": _("Reauthentication"),
    "from": pgettext_lazy("email address", "Previous address"),
    "to": pgettext_lazy("email address", "New address"),
}

# Rate-limit actions (``accounts.app_settings.RATE_LIMITS`` keys).
ACTIONS = {
    "login": _("Sign-in attempts"),
    "login_failed": _("Failed sign-ins"),
    "login_webauthn": _("Passkey sign-ins"),
    "request_login_code": _("Sign-in code requests"),
    "signup": _("Signups"),
    "reset_password": _("Password reset mails"),
    "reset_password_from_key": _("Password reset links"),
    "change_password": _("Password changes"),
    "manage_email": _("Email address changes"),
    "mfa_failed": _("Wrong second-factor codes"),
    "reauthenticate": _("Reauthentication attempts"),
    "verify_code": _("Mailed code checks"),
    "confirm_email": _("Verification mails"),
}


def reason_label(code):
    """``bad_credentials`` → "Wrong password"; empty for no reason; unknown codes as they are."""
    if not code:
        return ""
    return str(REASONS.get(code, code))


def extra_label(key):
    label = EXTRA_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


def browser_summary(user_agent):
    """ "Firefox on Windows": short enough for a list column (the full string is on the row)."""
    return describe_user_agent(user_agent or "") if user_agent else "—"


def authenticator_label(authenticator):
    """ "Security key “YubiKey 5”", "TOTP": the type, and the name a key was given."""
    kind = authenticator.get_type_display()
    name = (authenticator.data or {}).get("name") if authenticator.type == "webauthn" else None
    if name:
        return gettext("%(type)s “%(name)s”") % {"type": kind, "name": name}
    return str(kind)


def authenticator_html(authenticator_id, method_label=""):
    """The authenticator as its type and name, linked to its admin page; one query.

    A removed authenticator keeps its log rows: it is then named as removed.
    """
    from accounts.mfa.models import Authenticator

    if authenticator_id in (None, ""):
        return "—"
    authenticator = Authenticator.objects.filter(pk=authenticator_id).first()
    if authenticator is None:
        label = method_label or gettext("Authenticator")
        return gettext("%(label)s (removed)") % {"label": label}
    return _linked(
        "admin:mfa_authenticator_change", authenticator.pk, authenticator_label(authenticator)
    )


def _linked(url_name, pk, text):
    try:
        url = reverse(url_name, args=[pk])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)


def _value_html(key, value):
    if isinstance(value, dict):
        return definition_list(value) if value else "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(_scalar(key, item)) for item in value) or "—"
    if key in ("authenticator_id", "id") and isinstance(value, int):
        return authenticator_html(value)
    if key in ("invitation_id",) and isinstance(value, int):
        return _linked("admin:accounts_invitation_change", value, f"#{value}")
    if key == "created_by" and isinstance(value, int):
        return _linked("admin:accounts_user_change", value, f"#{value}")
    return _scalar(key, value)


def _scalar(key, value):
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if value is None or value == "":
        return "—"
    if key in ("action", "actions"):
        return str(ACTIONS.get(value, value))
    if key == "reason":
        return reason_label(value)
    if key in ("type", "method"):
        from accounts.mfa.models import Authenticator

        return str(dict(Authenticator.Type.choices).get(value, value))
    return value


def definition_list(extra):
    """A row's ``extra`` as ``<dl>`` of labelled values (nested dictionaries nest)."""
    if not extra:
        return "—"
    items = [(extra_label(key), _value_html(key, value)) for key, value in sorted(extra.items())]
    return format_html(
        '<dl class="log-extra">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", items),
    )


def summary_text(extra, *, limit=60):
    """``extra`` on one short line for a list column: "Email address: a@example.com, …"."""
    parts = []
    for key, value in sorted((extra or {}).items()):
        if isinstance(value, dict | list | tuple):
            continue
        parts.append(f"{extra_label(key)}: {_scalar(key, value)}")
    text = ", ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
