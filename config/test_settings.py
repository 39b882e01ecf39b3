"""Test settings: the real settings with fast hashing, locmem email and plain static files."""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("EMAIL_URL", "memorymail://")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

# Speed only, never security behaviour: a fast password hasher and one PBKDF2 round for
# recovery codes (tests of the production cost override it). Rate limits, lockouts,
# enumeration defences and headers stay exactly as in production.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MFA_RECOVERY_CODES_ITERATIONS = 1
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Mail goes through the outbox and the database task queue exactly as in production (TASKS is
# not overridden): sent after the commit (tests/helpers/transactions.py runs a test-client
# request's on-commit callbacks when it ends), retried by the real db_worker in tests/outbox/.
# Tests talk plain HTTP to the test client and live server.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"  # "__Host-" cookies need HTTPS
CSRF_COOKIE_NAME = "csrftoken"
SECURE_HSTS_SECONDS = 0

# Each xdist worker gets its own Redis database, so one worker's cache.clear() (or its
# cache-backed sessions) never touches another's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)  # noqa: F405
    _db = 1 + int(_worker[2:] or 0)
    CACHES["default"]["LOCATION"] = urlunsplit(_parts._replace(path=f"/{_db}"))  # noqa: F405
