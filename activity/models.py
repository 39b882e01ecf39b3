"""Audit logs written from the account signals (LoginLog, SecurityLog, MFALog, UserProfile)."""
