"""Two tabs on the login page: signing in in the first makes the second's form stale; sending
it shows the site's page that says so and opens the page again (issue 17, rough edge 3)."""

import pytest

from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def fill_login(tab):
    tab.fill("input[name=login]", "alice")
    tab.fill("input[name=password]", DEFAULT_PASSWORD)
    tab.click("button[type=submit]:has-text('Sign in')")


def test_a_second_tabs_login_explains_and_retries(page, live_server, screenshot_dir):
    UserFactory(username="alice", email="alice@example.com")
    page.goto("/accounts/login/")
    second_tab = page.context.new_page()
    second_tab.goto(f"{live_server.url}/accounts/login/")
    fill_login(page)
    page.wait_for_selector("[data-testid=nav-user]")

    with second_tab.expect_response(lambda r: r.request.method == "POST") as answer:
        fill_login(second_tab)
    assert answer.value.status == 403
    assert second_tab.locator("[data-testid=csrf-failure]").inner_text() == "This form has expired"
    assert "CSRF verification failed" not in second_tab.content()
    second_tab.screenshot(path=str(screenshot_dir / "csrf-failure.png"), full_page=True)

    second_tab.click("[data-testid=csrf-retry]")  # the login page again: already signed in
    second_tab.wait_for_selector("[data-testid=nav-user]")
