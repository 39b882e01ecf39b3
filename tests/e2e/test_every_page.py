"""Every page of tests/helpers/pages.py in Chromium: full-page screenshots in English at 1280
and 390 px and in Arabic at 1280 px, for a person to look through, and an axe-core run over
each page (English, 1280 px) that must find no accessibility violation (issue 17, "What it must
show" 2).

Screenshots go to ``test-artifacts/screenshots/<lang>-<width>/<role>-<page>.png`` (git-ignored;
the path is printed at the end of the run). axe-core comes from npm (tests/e2e/axe, installed
by ``npm ci``, see .ci/run); it is injected by Playwright into a context that bypasses the CSP,
used for the axe run only: the screenshots are taken under the site's real policy.
"""

import json
import os
from pathlib import Path

import pytest
from django.test import override_settings

from tests.e2e.conftest import ARTIFACTS
from tests.helpers.pages import ROLES, pages_of, resolve

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ARTIFACTS / "screenshots"
VARIANTS = [  # (folder, Accept-Language, viewport)
    ("en-1280", "en", {"width": 1280, "height": 900}),
    ("en-390", "en", {"width": 390, "height": 844}),
    ("ar-1280", "ar", {"width": 1280, "height": 900}),
]
# The WCAG 2.1 A and AA rules plus axe's best practices (landmarks, one h1, heading order).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


@pytest.fixture(scope="module")
def axe_script():
    if not AXE.exists():
        message = f"{AXE} is missing: npm ci --prefix tests/e2e/axe"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it (.ci/run): never skipped there
        pytest.skip(message)
    return str(AXE)


def open_page(page, entry, data):
    with override_settings(**entry.settings):
        response = page.goto(entry.path(data))
        page.wait_for_load_state("networkidle")
    assert response.status == entry.status, (entry.name, response.status, page.url)
    assert page.url.split("?")[0].endswith(entry.landing(data)), (entry.name, page.url)


def axe_violations(page, axe_script):
    page.add_script_tag(path=axe_script)
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    assert result["passes"], page.url  # axe ran its rules on this page
    return [
        {
            "rule": violation["id"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_screenshots_and_axe(browser, live_server, role, axe_script):
    data = ROLES[role].setup()
    shots = browser.new_context(base_url=live_server.url)
    shots.set_default_timeout(15_000)
    page = shots.new_page()
    if ROLES[role].sign_in:
        ROLES[role].sign_in(page, data)
    data = resolve(data)
    # The axe run: the same session (cookies copied: a second login could not reuse the
    # TOTP code), the CSP bypassed so that the injected axe script may run.
    audit = browser.new_context(base_url=live_server.url, bypass_csp=True)
    audit.set_default_timeout(15_000)
    audit.add_cookies(shots.cookies())
    audit.set_extra_http_headers({"Accept-Language": "en"})
    audit_page = audit.new_page()

    found = {}
    try:
        for entry in pages_of(role):
            for folder, language, viewport in VARIANTS:
                shots.set_extra_http_headers({"Accept-Language": language})
                page.set_viewport_size(viewport)
                open_page(page, entry, data)
                target = SCREENSHOTS / folder / f"{role}-{entry.name}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(target), full_page=True)
            open_page(audit_page, entry, data)
            violations = axe_violations(audit_page, axe_script)
            if violations:
                found[f"{role}-{entry.name} {entry.path(data)}"] = violations
    finally:
        shots.close()
        audit.close()
    assert found == {}, json.dumps(found, indent=1)


def test_axe_finds_what_it_should(browser, axe_script):
    """The check can fail: a page without a language, a main landmark, a heading, an image
    text or a field label is reported."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<html><body><img src="x.png"><input type="text"><a href="/"></a></body></html>'
    )
    rules = {violation["rule"] for violation in axe_violations(page, axe_script)}
    context.close()
    assert {"html-has-lang", "image-alt", "label", "link-name", "landmark-one-main"} <= rules
