"""A real browser-like HTTP client for ``live_server`` tests: its own cookie jar, CSRF token
handling, no redirect following. Used by the concurrency tests (threads hitting the live
server's threads, each with its own database connection)."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    body: str
    headers: dict

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class LiveBrowser:
    """One browser: cookies persist across its requests (share it between threads to send
    concurrent requests on one session)."""

    def __init__(self, base_url: str, *, ip: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.ip = ip
        self.csrf_token = ""

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if self.ip:
            request.add_header("X-Forwarded-For", self.ip)
        try:
            with self.opener.open(request, timeout=60) as response:
                answer = Answer(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.read().decode(errors="replace"), dict(error.headers))
        match = CSRF_RE.search(answer.body)
        if match:
            self.csrf_token = match.group(1)
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Answer:
        """POST with the CSRF token of the last page read (fetch ``path`` first if none)."""
        if not self.csrf_token:
            self.get(path)
        return self.request("POST", path, {"csrfmiddlewaretoken": self.csrf_token, **data})


def run_at_once(count: int, work, *, timeout: float = 60) -> list:
    """Run ``work(i)`` in ``count`` threads released together; the results in index order.

    An exception in a thread is returned in its place (the test then shows it).
    """
    barrier = threading.Barrier(count, timeout=timeout)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # surfaced by the test's assertions
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
