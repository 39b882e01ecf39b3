"""Load test (never a test): concurrent logins through gunicorn, one worker killed mid-run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_audit [REDIS_URL=redis://...] \\
        .venv/bin/python bench/load_login.py --workers 4 --clients 16 --seconds 30

Creates the database named in DATABASE_URL afresh (migrations, so the logs are partitioned),
adds one user per client, starts gunicorn with ``--workers`` sync workers on the test settings
(plain-HTTP cookies, a fast hasher: this measures the site and its audit trail, not Argon2),
and runs ``--clients`` threads that each log in and out in a loop with a real browser
exchange (GET the form, POST with the CSRF token, follow nothing). Halfway through it kills
one gunicorn worker with SIGKILL (the master starts another). Then it prints:

- successful logins (a 302 to the landing page), refused ones, and *ambiguous* ones (the
  connection died: the killed worker may or may not have committed before dying);
- the ``LoginLog`` rows with ``event = 'login'``.

The audit trail is right when ``successful <= rows <= successful + ambiguous`` (a row for
every login the user saw succeed, none for a request that rolled back); with no ambiguous
request, rows == successful exactly. Exit status 1 otherwise.
"""

import argparse
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load test passphrase 42"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(args):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Every client comes from 127.0.0.1, which a real site sees as many addresses: with
        # limits shared through Redis the per-IP login budget would refuse nearly all of them.
        "ACCOUNT_RATE_LIMIT_ALLOWLIST": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    if not args.redis:
        env.pop("REDIS_URL", None)
    return env


def prepare(env, clients):
    url = urllib.parse.urlparse(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = (
        "from accounts.models import User, EmailAddress\n"
        f"for i in range({clients}):\n"
        f"    u = User.objects.create_user(f'load{{i}}', f'load{{i}}@example.org', {PASSWORD!r})\n"
        "    EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)\n"
    )
    subprocess.run([python, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True)


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = self.refused = self.ambiguous = 0

    def add(self, kind):
        with self.lock:
            setattr(self, kind, getattr(self, kind) + 1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def client_loop(base, index, stop, counters):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    while not stop.is_set():
        try:
            page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            data = urllib.parse.urlencode(
                {"login": f"load{index}", "password": PASSWORD, "csrfmiddlewaretoken": token}
            ).encode()
            request = urllib.request.Request(
                f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/"}
            )
            try:
                response = opener.open(request, timeout=30)
                status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
                location = error.headers.get("Location", "")
            else:
                location = response.headers.get("Location", "")
        except (urllib.error.URLError, ConnectionError, OSError, AttributeError):
            counters.add("ambiguous")
            jar.clear()
            continue
        if status == 302 and "/accounts/login/" not in location:
            counters.add("ok")
            try:
                page = opener.open(f"{base}/accounts/logout/", timeout=30).read().decode()
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
                body = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
                opener.open(
                    urllib.request.Request(
                        f"{base}/accounts/logout/", data=body, headers={"Referer": f"{base}/"}
                    ),
                    timeout=30,
                )
            except (urllib.error.URLError, OSError, AttributeError):
                pass
            jar.clear()
        else:
            counters.add("refused")


def worker_pids(master):
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--redis", action="store_true", help="pass REDIS_URL to the site")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database this script may recreate.")
    env = environment(args)
    prepare(env, args.clients)
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        stop, counters = threading.Event(), Counters()
        threads = [
            threading.Thread(target=client_loop, args=(base, i, stop, counters))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.seconds / 2)
        victims = worker_pids(gunicorn.pid)
        if victims:
            os.kill(victims[0], signal.SIGKILL)
            print(f"killed gunicorn worker {victims[0]} at {args.seconds / 2:.0f}s", flush=True)
        time.sleep(args.seconds / 2)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM activity_loginlog WHERE event = 'login'"
        ).fetchone()[0]
    print(f"workers {args.workers}, clients {args.clients}, {args.seconds}s")
    print(f"successful logins: {counters.ok}")
    print(f"refused:           {counters.refused}")
    print(f"ambiguous (connection lost): {counters.ambiguous}")
    print(f"LoginLog login rows: {rows}")
    right = counters.ok <= rows <= counters.ok + counters.ambiguous
    print("audit trail: " + ("consistent" if right else "INCONSISTENT"))
    sys.exit(0 if right else 1)


if __name__ == "__main__":
    main()
