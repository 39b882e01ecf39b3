"""Benchmark (never a test): login throughput through the real views, flows and audit receivers.

    .venv/bin/python bench/login_flow.py --logins 300
    .venv/bin/python bench/login_flow.py --logins 100 --argon2        # production hasher
    DATABASE_URL=postgres://... .venv/bin/python bench/login_flow.py   # on PostgreSQL

Runs in a throwaway test database (created, then destroyed). Each round is one POST of the
login form by a returning browser (known device), then a logout; with ``--totp`` the users
have a TOTP factor and each login is the password step plus the code step. Prints logins per
second, the median and p95 time of the login request(s), and the queries each one ran. The
test settings hash with MD5, so the default measures the application's own overhead;
``--argon2`` adds the real hasher's cost.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

PASSWORD = "correct horse battery staple"
BROWSER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "REMOTE_ADDR": "203.0.113.10",
}


def make_users(count, *, totp_factor):
    from accounts.mfa.models import Authenticator
    from accounts.mfa.totp import auth as totp
    from accounts.models import EmailAddress, User

    users = []
    for i in range(count):
        user = User.objects.create_user(f"bench{i}", f"bench{i}@example.com", PASSWORD)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        secret = None
        if totp_factor:
            secret = totp.generate_secret()
            Authenticator.objects.create(
                user=user,
                type=Authenticator.Type.TOTP,
                data=totp.build_data(secret, last_step=None),
            )
        users.append((user, secret))
    return users


def login_once(client, user, secret):
    """POST the login (and the code); return (seconds, queries)."""
    import pyotp

    from accounts.mfa.models import Authenticator
    from accounts.mfa.totp import auth as totp

    if secret is not None:  # forget the last accepted step, so the current code passes again
        Authenticator.objects.filter(user=user, type="totp").update(
            data=totp.build_data(secret, last_step=None)
        )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
        if secret is not None:
            code = pyotp.TOTP(secret).now()
            response = client.post("/accounts/2fa/authenticate/", {"code": code})
        elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    assert client.session.get("_auth_user_id") == str(user.pk)
    return elapsed, len(queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--totp", action="store_true", help="password + TOTP code logins")
    parser.add_argument("--argon2", action="store_true", help="hash with Argon2 (production)")
    args = parser.parse_args()

    if args.argon2:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    from accounts.app_settings import DEFAULT_RATE_LIMITS

    # Rate limits are per account and IP; a benchmark logs in far more often than a person.
    settings.ACCOUNT_RATE_LIMITS = dict.fromkeys(DEFAULT_RATE_LIMITS, "")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from django.core.cache import cache

        users = make_users(args.users, totp_factor=args.totp)
        clients = [Client(**BROWSER) for _ in users]
        for (user, secret), client in zip(users, clients, strict=True):  # devices become known
            login_once(client, user, secret)
            client.post("/accounts/logout/")
        timings, counts = [], []
        started = time.perf_counter()
        for i in range(args.logins):
            (user, secret), client = users[i % len(users)], clients[i % len(users)]
            cache.clear()
            elapsed, queries = login_once(client, user, secret)
            timings.append(elapsed)
            counts.append(queries)
            client.post("/accounts/logout/")
        total = time.perf_counter() - started
        timings.sort()
        kind = "password + TOTP" if args.totp else "password"
        hasher = "argon2" if args.argon2 else "md5 (test settings)"
        print(
            f"{connection.vendor}, {settings.SESSION_ENGINE.rsplit('.', 1)[-1]} sessions, "
            f"{kind} logins, hasher {hasher}"
        )
        print(
            f"{args.logins / sum(timings):8.1f} logins/s (login requests only); "
            f"{args.logins / total:.1f}/s with the logouts"
        )
        print(
            f"{statistics.median(timings) * 1000:8.2f} ms median, "
            f"{timings[int(len(timings) * 0.95) - 1] * 1000:.2f} ms p95"
        )
        print(f"{statistics.median(counts):8.0f} queries per login (median)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
