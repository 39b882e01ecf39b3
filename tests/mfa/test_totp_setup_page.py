"""The authenticator-app setup page (issue 17, rough edge 7): the key in groups of four with a
Copy button, the code field focused; the grouped key is the same key."""

import re

import pyotp
import pytest

from accounts.mfa.models import Authenticator
from tests.helpers.mfa import SECRET_RE

pytestmark = pytest.mark.django_db

URL = "/accounts/2fa/totp/activate/"


def test_the_key_is_shown_in_groups_of_four_and_is_the_same_key(auth_client, user):
    page = auth_client.get(URL).content.decode()
    secret = SECRET_RE.search(page).group(1)
    shown = re.search(r'data-testid="totp-secret"[^>]*>([^<]+)<', page).group(1)
    assert shown == " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert all(len(group) == 4 for group in shown.split()[:-1])
    # The grouped key, typed into an app, makes codes the site accepts.
    response = auth_client.post(URL, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200  # the recovery codes page
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_copy_button_carries_the_key_and_is_announced(auth_client):
    page = auth_client.get(URL).content.decode()
    secret = SECRET_RE.search(page).group(1)
    button = re.search(r'<button[^>]*data-testid="totp-secret-copy"[^>]*>', page).group(0)
    assert f'data-copy="{secret}"' in button and 'type="button"' in button
    assert "d-none" in button  # shown by static/js/copy.js: no dead button without scripts
    assert 'id="totp-secret-status" aria-live="polite"' in page
    assert "js/copy.js" in page
    assert 'tabindex="0"' in re.search(r'<code[^>]*data-testid="totp-secret"[^>]*>', page).group(0)


def test_the_code_field_is_focused(auth_client):
    page = auth_client.get(URL).content.decode()
    field = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert "autofocus" in field and 'autocomplete="one-time-code"' in field


@pytest.mark.parametrize(
    ("value", "grouped"),
    [("ABCDEFGH", "ABCD EFGH"), ("ABCDEFGHIJ", "ABCD EFGH IJ"), ("", ""), (None, "")],
)
def test_groups_filter(value, grouped):
    from accounts.templatetags.account_display import groups

    assert groups(value, 4) == grouped
