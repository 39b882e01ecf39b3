"""Audit-trail helpers: the test browser's IP and agent, and session/count query costs."""

from django.conf import settings
from django.db import connection

from activity.models import LoginLog, MFALog, SecurityLog

LOG_MODELS = (LoginLog, SecurityLog, MFALog)
TEST_IP = "203.0.113.7"
TEST_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
BROWSER = {"REMOTE_ADDR": TEST_IP, "HTTP_USER_AGENT": TEST_AGENT}
FROM_BROWSER = {"ip_address": TEST_IP, "user_agent": TEST_AGENT}


def session_queries():
    """Queries a request spends loading its session: one from the database, none from a cache."""
    return 1 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" else 0


def count_queries():
    """Queries the audit changelist spends counting: PostgreSQL first reads the row estimate."""
    return 2 if connection.vendor == "postgresql" else 1
