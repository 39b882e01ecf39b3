"""What a developer meets under ``make run``: a quiet start, mail where the README says, and
docs that stand alone in the checkout (issue 17, rough edge 9)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

SEND_ONE_MAIL = """
import django
django.setup()
from django.conf import settings
from django.core.mail import send_mail
send_mail("Hello", "A link: http://localhost:8000/x", "a@localhost", ["b@localhost"])
print(settings.EMAIL_FILE_PATH)
"""


def run_settings(code, **env_vars):
    """Run ``code`` under the real development settings (not the test settings)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "ACCOUNT_", "EMAIL_"))
        and k not in ("REDIS_URL", "DATABASE_URL")
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1", **env_vars)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_an_absolute_filemail_url_writes_to_that_folder(tmp_path):
    folder = tmp_path / "mail"
    result = run_settings(SEND_ONE_MAIL, EMAIL_URL=f"filemail://{folder}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(folder)
    (written,) = folder.iterdir()
    assert "http://localhost:8000/x" in written.read_text()
    # Not under the project, where django-environ alone would have put it.
    assert not (BASE_DIR / str(folder).lstrip("/")).exists()


def test_a_relative_filemail_url_is_under_the_project():
    result = run_settings("import django; django.setup(); from django.conf import settings; "
                          "print(settings.EMAIL_FILE_PATH)", EMAIL_URL="filemail://sent-mail")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(BASE_DIR / "sent-mail")


CHECK_AND_LOG = """
import logging
import django
django.setup()
from django.core.management import call_command
call_command("check", databases=["default"])
logging.getLogger("django.utils.autoreload").info("Watching for file changes with StatReloader")
"""


def test_sqlite_development_start_is_quiet(tmp_path):
    """The audit logs' PostgreSQL covering indexes raise no SQLite warning, and a django.*
    log line is printed once, not twice."""
    result = run_settings(CHECK_AND_LOG, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "W040" not in output
    assert "System check identified no issues" in output
    assert output.count("Watching for file changes with StatReloader") == 1


def test_the_index_warning_is_silenced_only_on_sqlite():
    probe = "from config import settings; print(getattr(settings, 'SILENCED_SYSTEM_CHECKS', []))"
    postgres = run_settings(probe, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    assert postgres.returncode == 0, postgres.stderr
    assert postgres.stdout.strip() == "[]"
    sqlite = run_settings(probe, DATABASE_URL="sqlite:////tmp/none.sqlite3")
    assert sqlite.stdout.strip() == "['models.W040']"


def markdown_files():
    skip = {".venv", "node_modules", ".git", "staticfiles", ".pytest_cache"}
    return [
        path for path in BASE_DIR.rglob("*.md") if not skip & set(path.relative_to(BASE_DIR).parts)
    ]


LOCAL_HOSTS = re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\]|[\w.-]*example\.(com|org))")


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_docs_link_only_inside_the_repository(path):
    text = path.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        assert not re.match(r"[a-z]+:", target), (path, target)
        file_part = target.split("#")[0]
        if file_part:
            assert (path.parent / file_part).exists(), (path, target)
    for url in re.findall(r"https?://[^\s)`'\"<>|]+", text):
        assert LOCAL_HOSTS.match(url), (path, url)


def test_readme_says_where_development_mail_goes():
    readme = " ".join((BASE_DIR / "README.md").read_text().split())
    assert "is printed in the terminal that runs the server" in readme
    assert "http://localhost:8000" in readme
