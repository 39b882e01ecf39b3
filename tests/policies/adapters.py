"""Adapters a site might write, used by the policy tests through the settings."""

from accounts.mfa.adapter import DefaultMFAAdapter


class RequireForExampleOrg(DefaultMFAAdapter):
    """Per-user rule: accounts with an @example.org address must use a second factor."""

    def is_mfa_required(self, user):
        return (user.email or "").endswith("@example.org")
