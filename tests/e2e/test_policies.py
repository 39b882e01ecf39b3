"""The policy pages in Chromium: no console error, no CSP violation, a hidden honeypot."""

import pytest
from django.test import override_settings

from accounts.models import User
from tests.e2e.test_pages_render import Visitor
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@override_settings(ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD="phone_number")
def test_honeypot_is_invisible_and_a_person_signs_up(page, live_server, screenshot_dir):
    visitor = Visitor(page, screenshot_dir, "policies")
    visitor.visit("/accounts/signup/", "signup-honeypot")
    trap = page.locator("input[name=phone_number]")
    assert trap.count() == 1
    box = trap.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # off screen
    label = page.get_by_text("Leave this field empty").bounding_box()
    assert label is None or label["x"] + label["width"] <= 0  # its label too
    page.fill("input[name=username]", "hope")
    page.fill("input[name=email]", "hope@example.com")
    page.fill("input[name=password1]", "a long enough passphrase")
    page.fill("input[name=password2]", "a long enough passphrase")
    page.click("button[type=submit]:has-text('Create account')")
    page.wait_for_load_state("networkidle")
    assert User.objects.filter(username="hope").exists()


@override_settings(ACCOUNT_SIGNUP_OPEN=False)
def test_closed_signup_page(page, live_server, screenshot_dir):
    visitor = Visitor(page, screenshot_dir, "policies")
    visitor.visit("/accounts/signup/", "signup-closed", status=403)
    visitor.visit("/accounts/invitation/unknown/", "invitation-invalid", status=404)


def test_data_pages_and_lockout_admin(page, live_server, screenshot_dir):
    UserFactory(username="iris", email="iris@example.com", is_staff=True, is_superuser=True)
    visitor = Visitor(page, screenshot_dir, "policies")
    visitor.sign_in("iris")
    visitor.visit("/accounts/export/", "export")
    visitor.visit("/accounts/delete/", "delete")
    visitor.visit("/admin/activity/ratelimitrefusal/", "lockouts")
    visitor.visit("/admin/activity/ratelimitrefusal/?locked=yes", "lockouts-now")
    visitor.visit("/admin/accounts/invitation/add/", "invitation-add")
    with page.expect_download() as download:
        page.goto("/accounts/export/")
        page.click("button[type=submit]:has-text('Download')")
    assert download.value.suggested_filename.startswith("account-data-")
