"""Adapters a site might write, used by the policy tests through the settings."""

from accounts.adapter import DefaultAccountAdapter
from accounts.mfa.adapter import DefaultMFAAdapter


class RequireForExampleOrg(DefaultMFAAdapter):
    """Per-user rule: accounts with an @example.org address must use a second factor."""

    def is_mfa_required(self, user):
        return (user.email or "").endswith("@example.org")


class LanguageRecordingAdapter(DefaultAccountAdapter):
    """Remembers the language active while each notice was rendered (a site could log it)."""

    languages = []

    def send_notification_mail(self, template_prefix, email, context, request=None):
        from django.utils import translation

        type(self).languages.append(translation.get_language())
        return super().send_notification_mail(template_prefix, email, context, request=request)
