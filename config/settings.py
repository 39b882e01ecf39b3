"""Settings for the account site, read from the environment.

Secure by default: ``DEBUG`` is off unless ``DJANGO_DEBUG`` asks for it, ``SECRET_KEY`` is
required when not debugging, and the production security switches are on whenever ``DEBUG``
is off. ``make run`` sets ``DJANGO_DEBUG=1``; tests use ``config.test_settings``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Development defaults written by `make run` / `make test` (never committed). Real environment
# variables win over it; production sets its environment and has no such file.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-DJANGO_DEBUG-1"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Front ends on other origins that may call the JSON API under /_allauth/ (see
# accounts/headless/docs.md: a browser SPA on another origin also needs its origin in
# DJANGO_CSRF_TRUSTED_ORIGINS; apps with X-Session-Token need neither cookies nor CSRF).
CORS_ALLOWED_ORIGINS = env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/_allauth/"
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "x-csrftoken",
    "x-requested-with",
    "x-session-token",
    "x-email-verification-key",
    "x-password-reset-key",
)

DJANGO_APPS = [
    "config.apps.SiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "corsheaders",
]
LOCAL_APPS = [
    "accounts",
    "accounts.mfa",
    "accounts.usersessions",
    "accounts.socialaccount",
    "accounts.outbox",
    "accounts.headless",
    "activity",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the CSP and X-Frame-Options too.
    "accounts.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # CORS for the JSON API only (CORS_URLS_REGEX); inert until origins are configured.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "activity.middleware.ReferralMiddleware",
    "accounts.usersessions.middleware.UserSessionMiddleware",
    "accounts.mfa.required.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: a cache outage on a guessable action becomes the 503 page (accounts/ratelimit.py).
    "accounts.outage.CacheOutageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.preferences",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# A request and every audit row it causes commit together or not at all.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits live here; Redis shares them between workers) -----------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", default="accounts-site"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Sessions -------------------------------------------------------------------------------
SESSION_ENGINE = env.str("DJANGO_SESSION_ENGINE", default="django.contrib.sessions.backends.db")
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("ACCOUNT_PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("ACCOUNT_PASSWORD_RESET_TIMEOUT", default=60 * 60)

# The apps' own settings (ACCOUNT_*, MFA_*, ACTIVITY_*): each has its one default, type and
# documentation in the app's ``app_settings.py`` and is validated by ``manage.py check``.
# Here the environment may set them; a variable that is absent leaves the app's default.
_APP_SETTINGS_FROM_ENV = {
    "ACCOUNT_EMAIL_VERIFICATION": env.str,
    "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS": env.int,
    "ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN": env.int,
    "ACCOUNT_MAX_EMAIL_ADDRESSES": env.int,
    "ACCOUNT_ALLOW_REMOVING_LAST_EMAIL": env.bool,
    "ACCOUNT_REAUTHENTICATION_TIMEOUT": env.int,
    "ACCOUNT_TRUSTED_PROXY_COUNT": env.int,
    "ACCOUNT_SESSION_IDLE_TIMEOUT": env.int,
    "ACCOUNT_SESSION_ABSOLUTE_LIFETIME": env.int,
    "ACCOUNT_SESSION_LAST_SEEN_INTERVAL": env.int,
    "ACCOUNT_SIGNUP_OPEN": env.bool,
    "ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD": env.str,
    "ACCOUNT_CHANGE_EMAIL": env.bool,
    "ACCOUNT_EMAIL_NOTIFICATIONS": env.bool,
    "ACCOUNT_DELETION_GRACE_DAYS": env.int,
    "ACCOUNT_RATE_LIMIT_ALLOWLIST": env.list,
    "MFA_REQUIRED": env.str,
    "MFA_WEBAUTHN_RP_ID": env.str,
    "MFA_WEBAUTHN_RP_NAME": env.str,
    "MFA_WEBAUTHN_USER_VERIFICATION": env.str,
    "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN": env.bool,
    "MFA_ENCRYPTION_KEY": env.str,
    "MFA_TOTP_ISSUER": env.str,
    "ACTIVITY_TRIAL_ON_EMAIL_CONFIRMED": env.bool,
    "ACTIVITY_TRIAL_DAYS": env.int,
    "HEADLESS_TOKEN_STRATEGY": env.str,
    "HEADLESS_JWT_PRIVATE_KEY": env.str,
    "HEADLESS_JWT_ALGORITHM": env.str,
    "HEADLESS_CSRF_COOKIE_NAME": env.str,
    "ACTIVITY_DIGEST_KEY": env.str,
    "ACTIVITY_DIGEST_INTERVAL": env.int,
}
for _name, _read in _APP_SETTINGS_FROM_ENV.items():
    if _name in env.ENVIRON:
        globals()[_name] = _read(_name)

SITE_NAME = env.str("SITE_NAME", default="Account site")

# --- Email ----------------------------------------------------------------------------------
# EMAIL_URL: "consolemail://", "filemail:///path", "smtp://user:pass@host:587/?tls=True", ...
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="accounts@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A hung mail server gives up after this many seconds (the outbox retries the mail later).
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)

# --- Background tasks (mail retries): Django's tasks framework, backported ------------------
# Mail is recorded in the flow's transaction and sent right after the commit; what fails is
# retried by `manage.py db_worker` from these database rows (accounts/outbox).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- I18N -----------------------------------------------------------------------------------
# English is the source language; de, fr, es and ar (right to left) have complete catalogues
# under locale/ (compiled by `make`). LocaleMiddleware picks the visitor's language (their
# choice, then Accept-Language); accounts.middleware.UserPreferencesMiddleware applies a signed-in
# user's remembered language and time zone (accounts/i18n.py).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
    else None
)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    # "__Host-" cookies are only accepted by browsers over HTTPS, for this exact host, with
    # Path=/: no subdomain or plain-HTTP page can set or shadow them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
else:
    # Development over plain HTTP: the HttpOnly CSRF cookie keeps a name of its own so the
    # JSON API's script-readable token cookie can use allauth's "csrftoken" (its JS client
    # reads that name), as it does in production beside "__Host-csrftoken".
    CSRF_COOKIE_NAME = "django-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
