"""The log lists and pages read as words (issue 17, rough edge 6): labels instead of codes,
a short browser, ``extra`` as labelled values, authenticators by type and name, and a
visible "Export to CSV" button that exports the list as filtered."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission

from activity.models import LoginLog, MFALog, SecurityLog
from tests.helpers.audit import count_queries, session_queries
from tests.helpers.factories import UserFactory
from tests.helpers.mfa import add_totp, add_webauthn

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHANGELISTS = ["loginlog", "securitylog", "mfalog", "ratelimitrefusal"]


def _results(html):
    """The changelist's table only (filters and the date hierarchy left out)."""
    match = re.search(r'<table id="result_list".*?</table>', html, re.S)
    assert match, "no result table"
    return match.group(0)


def test_login_list_shows_labels_a_short_browser_and_the_ip(admin_client):
    LoginLog.objects.create(
        event="failed",
        reason="bad_credentials",
        username="alice",
        ip_address="203.0.113.9",
        user_agent=FIREFOX,
    )
    LoginLog.objects.create(event="logout", reason="session_expired", username="bob")
    table = _results(admin_client.get("/admin/activity/loginlog/").content.decode())
    assert "Wrong password" in table and "bad_credentials" not in table
    assert "Session expired" in table and "session_expired" not in table
    assert "Failed login" in table
    assert "203.0.113.9" in table
    # the short summary as the cell's text, the full agent only on hover
    assert f'<span title="{FIREFOX}">Firefox on Linux</span>' in table
    for column in ("column-ip", "column-browser"):
        assert column in table


def test_security_list_summarises_extra_with_labels(admin_client):
    SecurityLog.objects.create(
        event="rate_limited", username="alice", extra={"action": "login_failed"}
    )
    SecurityLog.objects.create(event="email_added", extra={"email": "a@example.com"})
    table = _results(admin_client.get("/admin/activity/securitylog/").content.decode())
    assert "Rate-limited action: Failed sign-ins" in table
    assert "Email address: a@example.com" in table
    assert "login_failed" not in table and "{&quot;" not in table


def test_security_detail_page_shows_extra_as_a_definition_list(admin_client):
    row = SecurityLog.objects.create(
        event="suspicious_activity",
        username="alice",
        user_agent=FIREFOX,
        extra={"reason": "bad_credentials", "details": {"count": 4}, "email": "a@example.com"},
    )
    html = admin_client.get(f"/admin/activity/securitylog/{row.pk}/change/").content.decode()
    dl = re.search(r'<dl class="log-extra">.*</dl>', html, re.S).group(0)
    assert "<dt>Email address</dt><dd>a@example.com</dd>" in dl
    assert "<dt>Reason</dt><dd>Wrong password</dd>" in dl
    assert "<dt>Count</dt><dd>4</dd>" in dl  # nested
    assert '"email"' not in html and "{&quot;" not in html
    assert "Suspicious activity" in html
    assert "Firefox" in html


def test_mfa_rows_name_the_authenticator_with_a_link(admin_client, user):
    key = add_webauthn(user)
    totp_row, _ = add_totp(user)
    used = MFALog.objects.create(
        event="used", method="webauthn", authenticator_id=key.pk, user=user, username="alice"
    )
    gone = MFALog.objects.create(event="failed", method="totp", authenticator_id=987654)
    key_url = f"/admin/mfa/authenticator/{key.pk}/change/"

    html = admin_client.get(f"/admin/activity/mfalog/{used.pk}/change/").content.decode()
    assert f'<a href="{key_url}">WebAuthn “Test key”</a>' in html
    html = admin_client.get(f"/admin/activity/mfalog/{gone.pk}/change/").content.decode()
    assert "TOTP (removed)" in html and "987654" not in html.split('id="content"')[1]

    table = _results(admin_client.get("/admin/activity/mfalog/").content.decode())
    assert f'<a href="{key_url}">WebAuthn</a>' in table
    assert f">{key.pk}<" not in table and ">987654<" not in table
    assert totp_row.pk


def test_mfa_list_with_authenticator_ids_costs_no_extra_query(
    admin_client, user, django_assert_num_queries
):
    key = add_webauthn(user)
    MFALog.objects.bulk_create(
        MFALog(event="used", method="webauthn", authenticator_id=key.pk, username=f"u{i}")
        for i in range(20)
    )
    admin_client.get("/")
    # the same count as a list without ids (test_scale pins it)
    with django_assert_num_queries(session_queries() + count_queries() + 5):
        assert admin_client.get("/admin/activity/mfalog/").status_code == 200


@pytest.mark.parametrize("name", CHANGELISTS)
def test_each_changelist_has_a_visible_export_button(admin_client, name):
    html = admin_client.get(f"/admin/activity/{name}/", {"q": "alice"}).content.decode()
    tools = re.search(r'<ul class="object-tools">.*?</ul>', html, re.S)
    assert tools, "no object tools"
    link = re.search(r'<a href="([^"]+)"[^>]*data-testid="csv-export"', tools.group(0))
    assert link and link.group(1) == f"/admin/activity/{name}/export/?q=alice"
    assert "Export to CSV" in tools.group(0)


def test_export_button_exports_the_filtered_list_streaming_and_safe(admin_client):
    LoginLog.objects.create(event="failed", username="=cmd|'/c calc'!A1", ip_address="192.0.2.1")
    LoginLog.objects.create(event="failed", username="bob", session_hash="f" * 64)
    LoginLog.objects.create(event="login", username="carol")
    # page 2 of a one-page list: the export ignores the page, never a 500
    response = admin_client.get(
        "/admin/activity/loginlog/export/", {"event__exact": "failed", "p": "7"}
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["created_at", "event", "method"]
    assert sorted(row[5] for row in rows[1:]) == ["'=cmd|'/c calc'!A1", "bob"]
    assert "f" * 64 not in content and "session_hash" not in rows[0]


def test_export_respects_search_and_bad_filters(admin_client):
    LoginLog.objects.create(event="login", username="alice", ip_address="192.0.2.1")
    LoginLog.objects.create(event="login", username="bob", ip_address="192.0.2.2")
    response = admin_client.get("/admin/activity/loginlog/export/", {"q": "192.0.2.2"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[5] for row in rows[1:]] == ["bob"]
    response = admin_client.get("/admin/activity/loginlog/export/", {"nonsense__in": "x"})
    assert response.status_code == 302


def test_export_needs_the_view_permission(client):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/activity/loginlog/export/").status_code == 403
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="activity", codename="view_loginlog")
    )
    assert client.get("/admin/activity/loginlog/export/").status_code == 200
    assert client.get("/admin/activity/securitylog/export/").status_code == 403


def test_anonymous_export_goes_to_the_login(client):
    response = client.get("/admin/activity/loginlog/export/")
    assert response.status_code == 302 and "/login/" in response["Location"]
