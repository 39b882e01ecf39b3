"""Benchmark (never a test): every account flow on this site and on a plain allauth site.

    .venv/bin/python bench/compare_allauth.py --allauth-python /tmp/allauth/bin/python
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/compare_allauth.py

One run times the same flows, through Django's test client over HTTP, on both sites, and prints
per flow the median server time and the queries of each, their ratio, and the geometric mean
of the ratios. The allauth site is minimal: ``allauth.account`` + ``allauth.mfa`` (TOTP,
recovery codes, WebAuthn with passkey login) with allauth's own templates and defaults, and
only the settings that make it offer what this site offers (login by username or email, the
same signup fields, optional verification). Both sites hash with MD5, keep sessions in the
database, use the same database engine, the same locmem cache (cleared before each round, so
rate limits apply but never trip), and this project's test settings otherwise.

allauth is not a dependency of this project: install it in a scratch virtualenv and pass its
Python (``--allauth-python``, or ``ALLAUTH_PYTHON``)::

    python3 -m venv /tmp/allauth && /tmp/allauth/bin/pip install "Django>=5.2,<5.3" \\
        "django-allauth[mfa]" "psycopg[binary]"

Each site runs in its own child process (two Django settings cannot share one), in a throwaway
test database (``test_<name>_project`` / ``test_<name>_allauth`` on PostgreSQL, in memory on
SQLite). Rounds interleave the flows; every round gets fresh users and a fresh browser where
the flow needs one, set up outside the timed requests. "Server time" is the wall time of the
timed request(s) in the test client (the whole Django stack, no network); a flow of two
requests (password + second factor) is timed as their sum. Queries are those the timed
request(s) ran, as ``CaptureQueriesContext`` counts them.
"""

import argparse
import cProfile
import json
import math
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another long passphrase 42"
BROWSER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "REMOTE_ADDR": "203.0.113.10",
}
LINK_RE = re.compile(r"https?://testserver(/accounts/[^\s\"'<>]+)")
TOTP_SECRET_RE = re.compile(r'data-testid="totp-secret" data-secret="([A-Z2-7]+)"')
OPTIONS_RE = re.compile(r'<script id="webauthn-options" type="application/json">(.*?)</script>')

FLOWS = [
    ("signup", "signup"),
    ("login_username", "login (username)"),
    ("login_email", "login (email)"),
    ("login_failed", "login, wrong password"),
    ("logout", "logout"),
    ("password_change", "password change"),
    ("password_reset_request", "password reset request"),
    ("password_reset_from_key", "password reset from key"),
    ("email_add", "add email address"),
    ("email_primary", "make address primary"),
    ("email_remove", "remove address"),
    ("email_resend", "resend verification"),
    ("email_verify", "verify email (POST of the link's page)"),
    ("reauthenticate_password", "reauthenticate (password)"),
    ("totp_activate", "TOTP activation"),
    ("login_totp", "login with TOTP (password + code)"),
    ("login_recovery_code", "login with recovery code (password + code)"),
    ("reauthenticate_code", "reauthenticate with code"),
    ("login_passkey", "passkey login"),
]


# --- Parent: run both children, print the table ----------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--allauth-python",
        default=os.environ.get("ALLAUTH_PYTHON", "/tmp/allauth-venv/bin/python"),
        help="a Python with Django 5.2 and django-allauth[mfa] installed",
    )
    parser.add_argument("--only", nargs="*", help="flow names to run (default: all)")
    parser.add_argument(
        "--before",
        help="also time another checkout of this project (an export of main: git archive main"
        " | tar -x -C DIR) in the same run, for a before/after table",
    )
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--child", choices=["project", "allauth"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=["project", "allauth"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.rounds, args.only, args.out)
    if args.serve:
        return serve(args.serve, args.only)

    sites = [("project", sys.executable, ROOT), ("allauth", args.allauth_python, ROOT)]
    if args.before:
        sites.insert(0, ("before", sys.executable, Path(args.before).resolve()))
    results = run_lockstep(sites, args.rounds, args.only)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print_table(results, args.rounds)


MARK = "@@BENCH@@ "


class Server:
    """A site's ``--serve`` child process, driven round by round."""

    def __init__(self, site, python, root, only):
        kind = "allauth" if site == "allauth" else "project"
        command = [python, __file__, "--serve", kind]
        if only:
            command += ["--only", *only]
        env = {**os.environ, "BENCH_PROJECT_ROOT": str(root), "BENCH_SITE_NAME": site}
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.meta = self.answer()

    def answer(self):
        for line in self.process.stdout:
            if line.startswith(MARK):
                return json.loads(line[len(MARK) :])
            sys.stderr.write(line)
        raise RuntimeError(f"the benchmark server stopped (exit {self.process.wait()})")

    def round(self, number):
        self.process.stdin.write(f"round {number}\n")
        self.process.stdin.flush()
        return self.answer()

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        for line in self.process.stdout:
            sys.stderr.write(line)
        self.process.wait()


def run_lockstep(sites, rounds, only):
    """Every site in its own process (two Django settings cannot share one), all taking turns
    round by round (in a rotating order), so a change of the machine's load hits each alike."""
    servers = {site: Server(site, python, root, only) for site, python, root in sites}
    results = {site: {"_meta": server.meta} for site, server in servers.items()}
    order = list(servers)
    try:
        for number in range(rounds + 1):  # round 0 warms up (imports, templates, caches)
            for site in order[number % len(order) :] + order[: number % len(order)]:
                for name, result in servers[site].round(number).items():
                    into = results[site].setdefault(name, {"ms": [], "cpu": [], "queries": []})
                    if "skipped" in result:
                        results[site][name] = result
                    elif number and "skipped" not in into:
                        for key in into:
                            into[key].append(result[key])
            print(f"round {number}/{rounds}", file=sys.stderr, flush=True)
    finally:
        for server in servers.values():
            server.close()
    return results


def print_table(results, rounds):
    meta = {site: result.pop("_meta") for site, result in results.items()}
    before = results.get("before")
    print(
        f"\n{meta['project']['vendor']}, db sessions, MD5 hasher, median of {rounds} rounds "
        f"(server time in the test client); Django {meta['project']['django']}, "
        f"allauth {meta['allauth']['allauth']}\n"
    )
    head = ["flow"]
    if before is not None:
        head += ["before ms", "before queries"]
    head += ["this site ms", "allauth ms", "time ratio", "this site queries", "allauth queries"]
    print("| " + " | ".join(head) + " |")
    print("| --- |" + " ---: |" * (len(head) - 1))
    ratios = {"time": [], "queries": [], "before time": [], "before queries": []}
    for name, label in FLOWS:
        rows = [results[site].get(name) for site in ("project", "allauth")]
        if before is not None:
            rows.append(before.get(name))
        if any(row is None for row in rows):
            continue
        skipped = next((row["skipped"] for row in rows if "skipped" in row), None)
        if skipped:
            print(f"| {label} | skipped: {skipped} |")
            continue
        ms = [statistics.median(row["ms"]) for row in rows]
        queries = [statistics.median(row["queries"]) for row in rows]
        cells = [label]
        if before is not None:
            cells += [f"{ms[2]:.2f}", f"{queries[2]:.0f}"]
            ratios["before time"].append(ms[2] / ms[1])
            ratios["before queries"].append(queries[2] / queries[1])
        cells += [
            f"{ms[0]:.2f}",
            f"{ms[1]:.2f}",
            f"{ms[0] / ms[1]:.2f}x",
            f"{queries[0]:.0f}",
            f"{queries[1]:.0f}",
        ]
        ratios["time"].append(ms[0] / ms[1])
        ratios["queries"].append(queries[0] / queries[1])
        print("| " + " | ".join(cells) + " |")

    def geomean(values):
        return math.exp(sum(math.log(v) for v in values) / len(values))

    if ratios["time"]:
        print(
            f"\ngeometric mean over {len(ratios['time'])} flows (this site / allauth; below 1 "
            f"is faster): time {geomean(ratios['time']):.2f}x, "
            f"queries {geomean(ratios['queries']):.2f}x"
        )
    if ratios["before time"]:
        print(
            f"before (the --before checkout / allauth): time "
            f"{geomean(ratios['before time']):.2f}x, "
            f"queries {geomean(ratios['before queries']):.2f}x"
        )
    print_cpu_table(results)


def print_cpu_table(results):
    """CPU time of the serving process: on SQLite (in-process) the server's whole work, and
    much less disturbed than wall time when other processes load the machine. On PostgreSQL
    the database's own work is not in it: read the wall times there."""
    sites = [site for site in ("before", "project", "allauth") if site in results]
    print("\nCPU ms of the serving process (median):\n")
    names = {"before": "before", "project": "this site", "allauth": "allauth"}
    print("| flow | " + " | ".join(names[s] for s in sites) + " | ratio this site / allauth |")
    print("| --- |" + " ---: |" * (len(sites) + 1))
    ratios = []
    for name, label in FLOWS:
        rows = [results[site].get(name) for site in sites]
        if any(row is None or "skipped" in row for row in rows):
            continue
        cpu = {site: statistics.median(row["cpu"]) for site, row in zip(sites, rows, strict=True)}
        ratios.append(cpu["project"] / cpu["allauth"])
        cells = [f"{cpu[site]:.2f}" for site in sites]
        print(f"| {label} | " + " | ".join(cells) + f" | {ratios[-1]:.2f}x |")
    if ratios:
        mean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"\ngeometric mean of the CPU ratios: {mean:.2f}x")


# --- Child: one site ---------------------------------------------------------------------------


def database_settings():
    """``DATABASE_URL`` (sqlite or postgres) as a DATABASES entry, without django-environ."""
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": "bench.sqlite3"}
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


ALLAUTH_SETTINGS = """
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
    "allauth.mfa",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "allauth_bench_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": %(database)r}
DATABASES["default"]["TEST"] = {"NAME": %(test_name)r}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGIN_REDIRECT_URL = "/"
USE_TZ = True
TIME_ZONE = "UTC"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_EMAIL_NOTIFICATIONS = True  # this site mails security notices by default; so does this
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
"""

ALLAUTH_URLS = """
from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("", lambda request: HttpResponse("home"), name="home"),
    path("accounts/", include("allauth.urls")),
]
"""


def project_root():
    """The checkout the "project" child imports (this one, or ``--before``'s)."""
    return Path(os.environ.get("BENCH_PROJECT_ROOT") or ROOT)


def setup_django(site):
    database = database_settings()
    name = os.environ.get("BENCH_SITE_NAME", site)  # "before" and "project" run side by side
    suffix = f"{database['NAME'].rsplit('/', 1)[-1].removesuffix('.sqlite3')}_{name}"
    if site == "project":
        sys.path.insert(0, str(project_root()))
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
        os.environ.setdefault("DJANGO_SESSION_ENGINE", "django.contrib.sessions.backends.db")
        os.environ.pop("REDIS_URL", None)  # the same locmem cache as the allauth site
        import django
        from django.conf import settings

        django.setup()
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
        if database["ENGINE"].endswith("postgresql"):
            settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_{suffix}"
    else:
        folder = Path(tempfile.mkdtemp(prefix="allauth_bench_"))
        on_postgres = database["ENGINE"].endswith("postgresql")
        values = {"database": database, "test_name": f"test_{suffix}" if on_postgres else None}
        (folder / "allauth_bench_settings.py").write_text(ALLAUTH_SETTINGS % values)
        (folder / "allauth_bench_urls.py").write_text(ALLAUTH_URLS)
        sys.path.insert(0, str(folder))
        sys.path.append(str(ROOT))  # only for tests.helpers.webauthn_soft (no Django in it)
        os.environ["DJANGO_SETTINGS_MODULE"] = "allauth_bench_settings"
        import django

        django.setup()


def _start(site):
    setup_django(site)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return old_name, ProjectSite() if site == "project" else AllauthSite()


def _meta(site):
    import django
    from django.db import connection

    meta = {"vendor": connection.vendor, "django": django.get_version()}
    if site == "allauth":
        import allauth

        meta["allauth"] = allauth.__version__
    return meta


def child(site, rounds, only, out):
    """Every round of one site in this process (for ``BENCH_SQL`` / ``BENCH_PROFILE``)."""
    from django.db import connection

    old_name, adapter = _start(site)
    try:
        results = run_flows(adapter, rounds, only)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    results["_meta"] = _meta(site)
    Path(out).write_text(json.dumps(results))


def serve(site, only):
    """One site's server for the lockstep run: a round per ``round N`` line on stdin, its
    results as one ``@@BENCH@@`` line on stdout."""
    from django.db import connection

    old_name, adapter = _start(site)
    names = [name for name, _ in FLOWS if not only or name in only]
    profiles = {}
    try:
        print(MARK + json.dumps(_meta(site)), flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command != "round":
                break
            result = run_round(adapter, names, int(argument), profiles)
            print(MARK + json.dumps(result), flush=True)
    finally:
        print_profiles(profiles)
        connection.creation.destroy_test_db(old_name, verbosity=0)


class Timer:
    """Accumulates the time and the queries of the requests run inside ``with timer:``."""

    def __init__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.capture = CaptureQueriesContext(connection)
        self.seconds, self.cpu, self.queries, self.sql = 0.0, 0.0, 0, []

    profiler = None  # BENCH_PROFILE=<flow>: a cProfile.Profile over that flow's requests

    def __enter__(self):
        self.capture.__enter__()
        if self.profiler:
            self.profiler.enable()
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self.started
        self.cpu += time.process_time() - self.cpu_started
        if self.profiler:
            self.profiler.disable()
        self.capture.__exit__(*exc)
        self.queries += len(self.capture.captured_queries)
        self.sql += [q["sql"] for q in self.capture.captured_queries]


def run_round(site, names, number, profiles):
    """One round of every flow in ``names``: ``{name: {"ms": .., "queries": ..}}``."""
    from django.core import mail
    from django.core.cache import cache

    results = {}
    for index, name in enumerate(names):
        cache.clear()
        mail.outbox = []
        timer = Timer()
        if number and os.environ.get("BENCH_PROFILE") == name:
            timer.profiler = profiles.setdefault(name, cProfile.Profile())
        try:
            getattr(Flows(site, f"bench{number}x{index}"), name)(timer)
        except Skip as skip:
            results[name] = {"skipped": str(skip)}
            continue
        results[name] = {
            "ms": timer.seconds * 1000,
            "cpu": timer.cpu * 1000,
            "queries": timer.queries,
        }
        if os.environ.get("BENCH_SQL") in (name, "all") and number == 1:
            print(f"--- {name}: {timer.queries} queries", file=sys.stderr)
            print("\n".join(timer.sql), file=sys.stderr)
    return results


def print_profiles(profiles):
    for name, profiler in profiles.items():
        print(f"--- profile of {name}", file=sys.stderr)
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(int(os.environ.get("BENCH_PROFILE_LINES", 60)))


def run_flows(site, rounds, only):
    names = [name for name, _ in FLOWS if not only or name in only]
    results = {name: {"ms": [], "cpu": [], "queries": []} for name in names}
    profiles = {}
    for number in range(rounds + 1):  # round 0 warms up (imports, template loading)
        for name, result in run_round(site, names, number, profiles).items():
            if "skipped" in result:
                results[name] = result
            elif number and "skipped" not in results[name]:
                for key in results[name]:
                    results[name][key].append(result[key])
    print_profiles(profiles)
    return results


class Skip(Exception):
    pass


def expect(response, *statuses):
    if response.status_code not in statuses:
        body = response.content.decode(errors="replace")[:1500]
        where = response.get("Location", "")
        raise AssertionError(f"{response.status_code} {where} (expected {statuses}): {body}")
    return response


def mailed_link():
    from django.core import mail

    assert mail.outbox, "no mail was sent"
    match = LINK_RE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


class Flows:
    """The flows, the same requests on both sites; ``site`` hides where the sites differ."""

    def __init__(self, site, tag):
        self.site, self.tag = site, tag

    def client(self):
        return self.site.client()

    def user(self, **kwargs):
        return self.site.make_user(self.tag, **kwargs)

    def logged_in(self, user):
        client = self.client()
        expect(client.post("/accounts/login/", {"login": user.username, "password": PASSWORD}), 302)
        assert client.session.get("_auth_user_id") == str(user.pk)
        return client

    def returning_browser(self, user):
        """A browser that has logged in before (a known device) and is logged out now."""
        client = self.logged_in(user)
        expect(client.post("/accounts/logout/"), 302)
        client.get("/accounts/login/")
        return client

    # -- the flows --

    def signup(self, timer):
        client = self.client()
        client.get("/accounts/signup/")
        data = {
            "username": self.tag,
            "email": f"{self.tag}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        with timer:
            response = client.post("/accounts/signup/", data)
        expect(response, 302)
        assert client.session.get("_auth_user_id")

    def _login(self, timer, login):
        user = self.user()
        client = self.returning_browser(user)
        with timer:
            response = client.post("/accounts/login/", {"login": login(user), "password": PASSWORD})
        expect(response, 302)
        assert client.session.get("_auth_user_id") == str(user.pk)

    def login_username(self, timer):
        self._login(timer, lambda user: user.username)

    def login_email(self, timer):
        self._login(timer, lambda user: user.email)

    def login_failed(self, timer):
        user = self.user()
        client = self.client()
        client.get("/accounts/login/")
        with timer:
            response = client.post("/accounts/login/", {"login": user.username, "password": "no"})
        expect(response, 200)

    def logout(self, timer):
        client = self.logged_in(self.user())
        client.get("/")
        with timer:
            response = client.post("/accounts/logout/")
        expect(response, 302)
        assert "_auth_user_id" not in client.session

    def password_change(self, timer):
        client = self.logged_in(self.user())
        client.get("/accounts/password/change/")
        data = {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        with timer:
            response = client.post("/accounts/password/change/", data)
        expect(response, 302)

    def password_reset_request(self, timer):
        user = self.user()
        client = self.client()
        client.get("/accounts/password/reset/")
        with timer:
            response = client.post("/accounts/password/reset/", {"email": user.email})
        expect(response, 302)
        mailed_link()

    def password_reset_from_key(self, timer):
        user = self.user()
        client = self.client()
        expect(client.post("/accounts/password/reset/", {"email": user.email}), 302)
        response = client.get(mailed_link(), follow=True)
        url = response.request["PATH_INFO"]
        data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        with timer:
            response = client.post(url, data)
        expect(response, 302)

    def _email_action(self, timer, action, *, extra=None, verified=True):
        user = self.user()
        address = f"{self.tag}.second@example.org"
        if extra is not False:
            self.site.add_address(user, address, verified=verified)
        client = self.logged_in(user)
        client.get("/accounts/email/")
        with timer:
            response = client.post("/accounts/email/", {action: "", "email": address})
        expect(response, 302)
        return user, address

    def email_add(self, timer):
        self._email_action(timer, "action_add", extra=False)

    def email_primary(self, timer):
        user, address = self._email_action(timer, "action_primary")
        user.refresh_from_db()
        assert user.email == address

    def email_remove(self, timer):
        self._email_action(timer, "action_remove")

    def email_resend(self, timer):
        self._email_action(timer, "action_send", verified=False)
        mailed_link()

    def email_verify(self, timer):
        user = self.user()
        address = f"{self.tag}.second@example.org"
        self.site.add_address(user, address, verified=False)
        client = self.logged_in(user)
        expect(client.post("/accounts/email/", {"action_send": "", "email": address}), 302)
        link = mailed_link()
        expect(client.get(link), 200)
        with timer:
            response = client.post(link)
        expect(response, 302)
        assert self.site.is_verified(user, address)

    def reauthenticate_password(self, timer):
        client = self.logged_in(self.user())
        client.get("/accounts/reauthenticate/")
        with timer:
            response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        expect(response, 302)

    def totp_activate(self, timer):
        import pyotp

        user = self.user()
        client = self.logged_in(user)
        # allauth asks for a reauthentication even right after a login (this site does not)
        expect(client.post("/accounts/reauthenticate/", {"password": PASSWORD}), 302)
        response = expect(client.get("/accounts/2fa/totp/activate/"), 200)
        secret = self.site.pending_totp_secret(client, response)
        with timer:
            response = client.post(
                "/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()}
            )
        # This site shows the new recovery codes in the answer; allauth redirects to them.
        expect(response, 200, 302)
        assert self.site.authenticator_types(user) == {"totp", "recovery_codes"}

    def _second_factor_login(self, timer, code_of):
        user = self.user()
        client = self.returning_browser(user)
        secret = self.site.add_totp(user)
        codes = self.site.add_recovery_codes(user)
        with timer:
            response = client.post(
                "/accounts/login/", {"login": user.username, "password": PASSWORD}
            )
            expect(response, 302)
            assert response["Location"].endswith("/accounts/2fa/authenticate/"), response
            response = client.post("/accounts/2fa/authenticate/", {"code": code_of(secret, codes)})
        expect(response, 302)
        assert client.session.get("_auth_user_id") == str(user.pk)

    def login_totp(self, timer):
        import pyotp

        self._second_factor_login(timer, lambda secret, codes: pyotp.TOTP(secret).now())

    def login_recovery_code(self, timer):
        self._second_factor_login(timer, lambda secret, codes: codes[3])

    def reauthenticate_code(self, timer):
        import pyotp

        user = self.user()
        client = self.logged_in(user)
        secret = self.site.add_totp(user)
        self.site.add_recovery_codes(user)
        client.get("/accounts/2fa/reauthenticate/")
        with timer:
            response = client.post(
                "/accounts/2fa/reauthenticate/", {"code": pyotp.TOTP(secret).now()}
            )
        expect(response, 302)

    def login_passkey(self, timer):
        from tests.helpers.webauthn_soft import SoftAuthenticator

        user = self.user()
        client = self.returning_browser(user)
        soft = SoftAuthenticator()
        self.site.add_passkey(user, soft)
        options = self.site.passkey_options(client)
        credential = json.dumps(soft.get(options))
        with timer:
            response = client.post("/accounts/2fa/webauthn/login/", {"credential": credential})
        expect(response, 302)
        assert client.session.get("_auth_user_id") == str(user.pk), response


class BaseSite:
    def client(self):
        from django.test import Client

        class HttpsClient(Client):
            """WebAuthn wants a secure origin: every request arrives over https."""

            def request(self, **request):
                request["wsgi.url_scheme"] = "https"
                request["SERVER_PORT"] = "443"
                return super().request(**request)

        return HttpsClient(**BROWSER)

    def make_user(self, tag, **kwargs):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user(tag, f"{tag}@example.com", PASSWORD)
        self.add_address(user, user.email, verified=True, primary=True)
        return user

    def add_address(self, user, email, *, verified, primary=False):
        self.email_address_model().objects.create(
            user=user, email=email, verified=verified, primary=primary
        )

    def authenticator_types(self, user):
        from django.apps import apps

        model = apps.get_model("mfa", "Authenticator")
        return set(model.objects.filter(user=user).values_list("type", flat=True))

    def is_verified(self, user, email):
        return self.email_address_model().objects.get(user=user, email=email).verified


class ProjectSite(BaseSite):
    def email_address_model(self):
        from accounts.models import EmailAddress

        return EmailAddress

    def add_totp(self, user):
        from accounts.mfa.models import Authenticator
        from accounts.mfa.totp import auth as totp

        secret = totp.generate_secret()
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data=totp.build_data(secret, last_step=None)
        )
        return secret

    def add_recovery_codes(self, user):
        from accounts.mfa.models import Authenticator
        from accounts.mfa.recovery_codes import auth as recovery_codes

        codes = recovery_codes.generate_codes()
        Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.RECOVERY_CODES,
            data=recovery_codes.build_data(codes),
        )
        return codes

    def add_passkey(self, user, soft):
        from accounts.mfa.models import Authenticator
        from tests.helpers.webauthn_soft import b64url

        soft.user_handle = str(user.pk).encode()
        Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.WEBAUTHN,
            data={
                "credential_id": b64url(soft.credential_id),
                "credential": b64url(soft.attested_credential_data()),
                "sign_count": 0,
                "transports": ["internal"],
                "name": "Key",
                "passwordless": True,
            },
        )

    def passkey_options(self, client):
        response = expect(client.get("/accounts/2fa/webauthn/login/"), 200)
        return json.loads(OPTIONS_RE.search(response.content.decode()).group(1))

    def pending_totp_secret(self, client, response):
        return TOTP_SECRET_RE.search(response.content.decode()).group(1)


class AllauthSite(BaseSite):
    def email_address_model(self):
        from allauth.account.models import EmailAddress

        return EmailAddress

    def add_totp(self, user):
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    def add_recovery_codes(self, user):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

        existing = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.RECOVERY_CODES
        ).first()
        codes = existing.wrap() if existing else RecoveryCodes.activate(user)
        return codes.get_unused_codes()

    def add_passkey(self, user, soft):
        import os as _os

        from allauth.account.utils import user_pk_to_url_str
        from allauth.mfa.webauthn.internal.auth import WebAuthn

        from tests.helpers.webauthn_soft import b64url

        handle = user_pk_to_url_str(user).encode()
        options = {"user": {"id": b64url(handle)}, "challenge": b64url(_os.urandom(32))}
        credential = soft.create(options)
        credential["clientExtensionResults"] = {"credProps": {"rk": True}}
        WebAuthn.add(user, "Key", credential)
        soft.user_handle = handle

    def passkey_options(self, client):
        response = client.get(
            "/accounts/2fa/webauthn/login/", HTTP_X_REQUESTED_WITH="XMLHttpRequest"
        )
        expect(response, 200)
        return response.json()["request_options"]["publicKey"]

    def pending_totp_secret(self, client, response):
        return client.session["mfa.totp.secret"]


if __name__ == "__main__":
    main()
