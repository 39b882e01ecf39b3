"""Driving a real OpenID provider's own pages (panva's oidc-provider under Node) as a user.

``IdentityProvider`` runs ``tests/socialaccount/idp/server.mjs`` as its own process;
``authorize`` plays the user's browser at the provider (login page, consent page) and returns
the URL the provider sends the browser back to, for the Django test client to follow.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

IDP_DIR = Path(__file__).resolve().parent.parent / "socialaccount" / "idp"
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"', re.S)
HANDOFF_LINK = re.compile(r'data-testid="provider-redirect"|id="provider-redirect"')
HREF = re.compile(r'<a href="([^"]+)" id="provider-redirect"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_node_modules() -> None:
    """``npm ci`` once (CI runs it in .ci/run; a developer's first run does it here)."""
    if (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the socialaccount tests (Node 20+).")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=IDP_DIR, check=True)


class IdentityProvider:
    """A running oidc-provider with one confidential client."""

    def __init__(
        self, tmp_path: Path, *, redirect_uris: list[str], client_id="site", id_token_ttl=120
    ) -> None:
        ensure_node_modules()
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id = client_id
        self.secret = "site-secret-" + str(self.port)
        config = tmp_path / f"idp-{self.port}.json"
        config.write_text(
            json.dumps(
                {
                    "clients": [
                        {
                            "client_id": client_id,
                            "client_secret": self.secret,
                            "redirect_uris": redirect_uris,
                        }
                    ],
                    "id_token_ttl": id_token_ttl,
                }
            )
        )
        node = shutil.which("node") or "node"
        self.process = subprocess.Popen(
            [node, str(IDP_DIR / "server.mjs"), str(self.port), str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def app_config(self, provider_id="idp", name="Test IdP", **settings) -> dict:
        """One ``SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]`` entry for this provider."""
        return {
            "provider_id": provider_id,
            "name": name,
            "client_id": self.client_id,
            "secret": self.secret,
            "settings": {"server_url": self.issuer, **settings},
        }

    def authorize(self, url: str, *, login: str, consent: bool = True, browser=None) -> str:
        """Sign in as ``login`` on the provider's pages and return the redirect back to the
        site (``...callback/?code=...&state=...``). ``consent=False`` presses "abort"."""
        browser = browser or requests.Session()
        target = url
        for _ in range(12):
            response = browser.get(target, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                location = urljoin(target, response.headers["Location"])
                if not location.startswith(self.issuer):
                    return location
                target = location
                continue
            assert response.status_code == 200, (response.status_code, response.text[:500])
            page = response.text
            action = urljoin(target, html.unescape(FORM_ACTION.search(page).group(1)))
            if 'name="login"' in page:
                if not consent:
                    target = urljoin(target, urlsplit(target).path + "/abort")
                    continue
                data = {"prompt": "login", "login": login, "password": "any"}
            else:
                data = {"prompt": "consent"}
            response = browser.post(action, data=data, allow_redirects=False, timeout=10)
            assert response.status_code in (302, 303), response.text[:500]
            target = urljoin(action, response.headers["Location"])
            if not target.startswith(self.issuer):
                return target
        raise AssertionError("the provider never sent the browser back")


def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def handoff_url(response) -> str:
    """The provider URL on the site's "Continuing to …" page (the answer to the POST)."""
    assert response.status_code == 200, (response.status_code, response.content[:300])
    match = HREF.search(response.content.decode())
    assert match, response.content[:500]
    return html.unescape(match.group(1))
