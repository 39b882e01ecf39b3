"""A minimal browser for ``live_server`` tests (real HTTP, real threads): cookies, CSRF
token, no redirects followed. Standard library only."""

import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import urlencode


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class LiveBrowser:
    def __init__(self, base_url, cookies=None):
        self.base_url = base_url
        self.cookies = dict(cookies or {})
        self._opener = urllib.request.build_opener(_NoRedirect)

    def copy(self):
        """A second tab of the same browser (same cookies), usable from another thread."""
        return LiveBrowser(self.base_url, self.cookies)

    def _send(self, method, path, data=None):
        body = urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            request.add_header("X-CSRFToken", self.cookies.get("csrftoken", ""))
        try:
            response = self._opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", "")

    def get(self, path):
        return self._send("GET", path)

    def post(self, path, data):
        return self._send("POST", path, data)
