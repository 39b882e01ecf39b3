"""Issue 17, rough edge 10, in Chromium: the pages follow the system's dark preference
(Bootstrap's data-bs-theme), a toggle picks light, dark or automatic and is remembered, and
every page's text stays readable in the dark theme."""

import pytest

from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The contrast (WCAG 2) of each text element against the first opaque background behind it.
CONTRASTS = """() => {
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const color = rgb(getComputedStyle(e).backgroundColor);
      if (color.length === 3 || (color.length === 4 && color[3] > 0.5)) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const texts = document.querySelectorAll(
    "main h1, main h2, main p, main label, main a, main td, main li, main dt, main dd, main .form-text, main .btn, main .badge, main .alert, nav a, nav .btn, footer span"
  );
  return Array.from(texts)
    .filter((e) => e.offsetParent !== null && e.innerText.trim())
    .map((e) => {
      const [a, b] = [luminance(rgb(getComputedStyle(e).color)), luminance(background(e))];
      return [e.innerText.trim().slice(0, 40), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
    });
}"""


def theme(page):
    return page.evaluate(
        "[document.documentElement.dataset.bsTheme, document.documentElement.dataset.themeMode]"
    )


def background_luminance(page):
    return page.evaluate(
        """() => {
          const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        }"""
    )


def choose(page, mode):
    page.click("[data-testid=theme-toggle] button.dropdown-toggle")
    page.click(f"[data-testid=theme-{mode}]")


@pytest.fixture
def dark_context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, color_scheme="dark")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_follows_a_dark_system_and_the_toggle_overrides_it(dark_context, screenshot_dir):
    page = dark_context.new_page()
    page.goto("/")
    assert theme(page) == ["dark", "auto"]
    assert background_luminance(page) < 0.25
    assert page.get_attribute("[data-testid=theme-auto]", "aria-pressed") == "true"
    page.screenshot(path=str(screenshot_dir / "dark-home.png"), full_page=True)

    choose(page, "light")
    assert theme(page) == ["light", "light"]
    assert background_luminance(page) > 0.75
    assert page.get_attribute("[data-testid=theme-light]", "aria-pressed") == "true"
    page.goto("/accounts/login/")  # remembered from page to page
    assert theme(page) == ["light", "light"]
    assert page.evaluate("localStorage.getItem('theme')") == "light"

    choose(page, "auto")
    assert theme(page) == ["dark", "auto"]
    page.reload()
    assert theme(page) == ["dark", "auto"]


def test_a_light_system_can_choose_dark(page, screenshot_dir):
    page.goto("/accounts/login/")
    assert theme(page) == ["light", "auto"]
    choose(page, "dark")
    assert theme(page) == ["dark", "dark"]
    page.goto("/accounts/signup/")
    assert theme(page) == ["dark", "dark"]
    assert background_luminance(page) < 0.25
    page.screenshot(path=str(screenshot_dir / "dark-signup.png"), full_page=True)


PAGES = [
    "/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/",
    "/accounts/sessions/",
    "/accounts/activity/",
    "/accounts/preferences/",
]


def test_pages_are_readable_in_dark(dark_context, live_server, screenshot_dir):
    UserFactory(username="frank", email="frank@example.com")
    page = dark_context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "frank")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_selector("[data-testid=error-summary]")
    low = [(page.url, *pair) for pair in page.evaluate(CONTRASTS) if pair[1] < 4.5]
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    for path in PAGES:
        page.goto(path)
        assert theme(page)[0] == "dark", path
        texts = page.evaluate(CONTRASTS)
        assert texts, path
        low += [(path, *pair) for pair in texts if pair[1] < 4.5]
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(screenshot_dir / f"dark-{name}.png"), full_page=True)
    assert low == [], "\n".join(map(str, low))
