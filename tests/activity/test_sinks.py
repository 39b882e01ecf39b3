"""Streaming the audit trail to SIEM sinks: a JSON-lines file, syslog on a local socket, and a
signed webhook to a local HTTP server, through the outbox and the django-tasks database
worker; a sink that is down gets every event once it is back, with a stable id."""

import base64
import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from activity import streaming
from activity.models import LoginLog, SecurityLog, SinkDelivery
from tests.helpers.factories import DEFAULT_PASSWORD

# The database worker closes its connection after a batch, as in production: the tests
# commit for real (the worker must see committed rows anyway).
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec-test-secret"


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def login_twice(client, capture):
    with capture(execute=True):
        client.post(
            "/accounts/login/", {"login": "alice", "password": "wrong"}, REMOTE_ADDR="192.0.2.5"
        )
    with capture(execute=True):
        client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})


def test_no_sink_by_default_queues_nothing(client, user, django_capture_on_commit_callbacks):
    login_twice(client, django_capture_on_commit_callbacks)
    assert not SinkDelivery.objects.exists()


def test_file_sink_gets_ocsf_json_lines(
    client, user, settings, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "audit.jsonl"
    settings.ACTIVITY_SINKS = [{"name": "file", "type": "file", "path": str(path)}]
    login_twice(client, django_capture_on_commit_callbacks)
    run_worker()

    events = [json.loads(line) for line in path.read_text().splitlines()]
    failed, login = (LoginLog.objects.get(event=e) for e in ("failed", "login"))
    by_id = {event["metadata"]["uid"]: event for event in events}
    assert str(streaming.event_id(failed)) in by_id and str(streaming.event_id(login)) in by_id
    bad = by_id[str(streaming.event_id(failed))]
    assert (bad["class_uid"], bad["activity_id"], bad["type_uid"], bad["status_id"]) == (
        3002,
        1,
        300201,
        2,
    )
    assert bad["status_detail"] == "INVALID_CREDENTIALS"
    assert bad["src_endpoint"] == {"ip": "192.0.2.5"}
    assert bad["time"] == int(failed.created_at.timestamp() * 1000)
    assert bad["metadata"]["version"] == streaming.OCSF_VERSION
    good = by_id[str(streaming.event_id(login))]
    assert good["status_id"] == 1 and good["auth_factors"][0]["factor_type_id"] == 11
    assert "wrong" not in path.read_text() and DEFAULT_PASSWORD not in path.read_text()
    assert not SinkDelivery.objects.filter(delivered_at__isnull=True).exists()


def test_account_changes_map_to_ocsf_account_change(user):
    row = SecurityLog.objects.create(
        event="password_changed", user=user, actor=user, username="alice"
    )
    event = streaming.to_ocsf(row)
    assert (event["class_uid"], event["activity_id"], event["type_uid"]) == (3001, 3, 300103)
    assert event["actor"] == {"user": {"uid": str(user.pk)}}


def test_syslog_sink_sends_rfc5424_to_a_local_socket(
    client, user, settings, django_capture_on_commit_callbacks
):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    settings.ACTIVITY_SINKS = [{"name": "syslog", "type": "syslog", "address": f"127.0.0.1:{port}"}]
    try:
        login_twice(client, django_capture_on_commit_callbacks)
        run_worker()
        messages = [receiver.recv(65535).decode() for _ in range(2)]
    finally:
        receiver.close()
    header, _, body = messages[0].partition(" - ")
    assert header.startswith("<36>1 ")  # auth facility (4), warning (4): a failed login
    assert header.split(" ")[5] == "300201"  # MSGID: the OCSF type_uid
    assert json.loads(body)["status_id"] == 2
    assert messages[1].startswith("<38>1 ")  # informational: the login


class Hook(BaseHTTPRequestHandler):
    received = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port):
    server = HTTPServer(("127.0.0.1", port), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def verify_signature(headers, body):
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(headers["webhook-signature"], f"v1,{expected}")


def test_webhook_down_then_back_gets_every_event_once_signed(
    client, user, settings, django_capture_on_commit_callbacks
):
    port = free_port()
    Hook.received, Hook.fail_first = [], 0
    settings.ACTIVITY_SINKS = [
        {
            "name": "siem",
            "type": "webhook",
            "url": f"http://127.0.0.1:{port}/hook",
            "secret": SECRET,
        }
    ]
    login_twice(client, django_capture_on_commit_callbacks)  # nobody listens yet
    run_worker()
    pending = list(SinkDelivery.objects.filter(delivered_at__isnull=True))
    assert len(pending) == 2
    assert all(d.attempts <= 1 for d in pending) and any(d.last_error for d in pending)

    server = serve(port)
    try:
        with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
            call_command("deliver_activity", verbosity=0)
    finally:
        server.shutdown()
        server.server_close()
    assert not SinkDelivery.objects.filter(delivered_at__isnull=True).exists()
    ids = [headers["webhook-id"] for headers, _ in Hook.received]
    expected = {str(streaming.event_id(row)) for row in LoginLog.objects.all()}
    assert sorted(ids) == sorted(expected)
    for headers, body in Hook.received:
        assert verify_signature(headers, body)
        assert json.loads(body)["metadata"]["uid"] == headers["webhook-id"]


def test_a_lost_answer_resends_the_same_event_id(
    client, user, settings, django_capture_on_commit_callbacks
):
    """At least once: the sink saw the event but answered 503; it gets it again, same id."""
    port = free_port()
    Hook.received, Hook.fail_first = [], 1
    settings.ACTIVITY_SINKS = [
        {
            "name": "siem",
            "type": "webhook",
            "url": f"http://127.0.0.1:{port}/",
            "secret": SECRET,
            "schema": "ecs",
        }
    ]
    server = serve(port)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
        run_worker()
        with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
            call_command("deliver_activity", verbosity=0)
    finally:
        server.shutdown()
        server.server_close()
    ids = [headers["webhook-id"] for headers, _ in Hook.received]
    assert len(ids) == 2 and len(set(ids)) == 1
    event = json.loads(Hook.received[-1][1])
    assert event["event"]["id"] == ids[0] and event["event"]["outcome"] == "failure"
    assert event["event"]["category"] == ["authentication"]


def test_invalid_sink_settings_are_reported(settings):
    from django.core.exceptions import ImproperlyConfigured

    from activity import app_settings

    settings.ACTIVITY_SINKS = [{"name": "x", "type": "webhook", "url": "https://siem.example"}]
    with pytest.raises(ImproperlyConfigured):
        app_settings.SINKS
