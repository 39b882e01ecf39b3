"""Benchmark (never a test): API login vs HTML login, server time side by side.

    .venv/bin/python bench/headless_login.py --logins 300
    .venv/bin/python bench/headless_login.py --logins 100 --totp
    DATABASE_URL=postgres://... .venv/bin/python bench/headless_login.py

Runs in a throwaway test database (created, then destroyed). Interleaves three kinds of
login by returning clients (known devices), each followed by its logout: the HTML form
(``/accounts/login/``), the browser API and the app API (``/_allauth/{browser,app}/v1/auth/
login``); with ``--totp`` each login is the password step plus the code step. Prints, per
kind, the median and p95 server time of the login request(s) and the queries they ran. The
test settings hash with MD5, so the numbers are the application's own overhead.
"""

import argparse
import json
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from login_flow import BROWSER, PASSWORD, make_users  # noqa: E402

KINDS = ("html", "browser-api", "app-api")


def _reset_totp(user, secret):
    from accounts.mfa.models import Authenticator
    from accounts.mfa.totp import auth as totp

    Authenticator.objects.filter(user=user, type="totp").update(
        data=totp.build_data(secret, last_step=None)
    )


def _post_json(client, url, data, token=None):
    headers = {"X-Session-Token": token} if token else {}
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def login_once(kind, client, user, secret):
    """One login of ``kind``; return (seconds, queries, logout callable)."""
    import pyotp

    if secret is not None:
        _reset_totp(user, secret)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if kind == "html":
            response = client.post(
                "/accounts/login/", {"login": user.username, "password": PASSWORD}
            )
            if secret is not None:
                code = pyotp.TOTP(secret).now()
                response = client.post("/accounts/2fa/authenticate/", {"code": code})
            ok = response.status_code == 302
            token = None
        else:
            base = "/_allauth/browser/v1/" if kind == "browser-api" else "/_allauth/app/v1/"
            response = _post_json(
                client, base + "auth/login", {"username": user.username, "password": PASSWORD}
            )
            token = response.json().get("meta", {}).get("session_token")
            if secret is not None:
                code = pyotp.TOTP(secret).now()
                response = _post_json(client, base + "auth/2fa/authenticate", {"code": code}, token)
                token = response.json().get("meta", {}).get("session_token")
            ok = response.status_code == 200
        elapsed = time.perf_counter() - started
    assert ok, (kind, response.status_code)

    def logout():
        if kind == "html":
            client.post("/accounts/logout/")
        elif kind == "browser-api":
            client.delete("/_allauth/browser/v1/auth/session")
        else:
            client.delete("/_allauth/app/v1/auth/session", headers={"X-Session-Token": token})

    return elapsed, len(queries), logout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200, help="logins of each kind")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--totp", action="store_true", help="password + TOTP code logins")
    args = parser.parse_args()

    from accounts.app_settings import DEFAULT_RATE_LIMITS

    # Rate limits are per account and IP; a benchmark logs in far more often than a person.
    settings.ACCOUNT_RATE_LIMITS = dict.fromkeys(DEFAULT_RATE_LIMITS, "")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from django.core.cache import cache

        users = make_users(args.users, totp_factor=args.totp)
        clients = {kind: [Client(**BROWSER) for _ in users] for kind in KINDS}
        for kind in KINDS:  # every device becomes known
            for (user, secret), client in zip(users, clients[kind], strict=True):
                login_once(kind, client, user, secret)[2]()
        results = {kind: ([], []) for kind in KINDS}
        for i in range(args.logins):
            for kind in KINDS:
                (user, secret), client = users[i % len(users)], clients[kind][i % len(users)]
                cache.clear()
                elapsed, queries, logout = login_once(kind, client, user, secret)
                results[kind][0].append(elapsed)
                results[kind][1].append(queries)
                logout()
        step = "password + TOTP" if args.totp else "password"
        print(
            f"{connection.vendor}, {settings.SESSION_ENGINE.rsplit('.', 1)[-1]} sessions, "
            f"{step} logins, {args.logins} of each kind"
        )
        print(f"{'kind':<12} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for kind in KINDS:
            timings, counts = sorted(results[kind][0]), results[kind][1]
            print(
                f"{kind:<12} {statistics.median(timings) * 1000:10.2f} "
                f"{timings[int(len(timings) * 0.95) - 1] * 1000:8.2f} "
                f"{statistics.median(counts):8.0f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
