"""Staff ending a user's sessions, and deletion/deactivation ending them (C3, C11).

Checked with both session engines: the user's browsers are anonymous on their next request,
the store entries are gone, and ``sessions_ended`` names the staff member as actor (the
activity app turns that into the ``SecurityLog`` row).
"""

from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings as django_settings

from accounts import signals
from accounts.models import User
from accounts.usersessions.models import UserSession
from tests.helpers.clients import login_client
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(
    autouse=True,
    params=["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"],
    ids=["db", "cache"],
)
def session_engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


def store_has(session_key):
    return import_module(django_settings.SESSION_ENGINE).SessionStore().exists(session_key)


def is_signed_in(client):
    return client.get("/").wsgi_request.user.is_authenticated


@pytest.fixture
def staff(make_client):
    member = UserFactory(username="sam", is_staff=True, is_superuser=True)
    return member, login_client(make_client(), member)


@pytest.fixture
def alice_browsers(make_client, user):
    return [login_client(make_client(REMOTE_ADDR=f"203.0.113.{n}"), user) for n in (1, 2)]


def test_end_all_sessions_action(
    staff, alice_browsers, user, other_user, make_client, signal_catcher
):
    member, admin = staff
    bob = login_client(make_client(), other_user)
    ended = signal_catcher(signals.sessions_ended)
    keys = [c.session.session_key for c in alice_browsers]

    response = admin.post(
        "/admin/accounts/user/", {"action": "end_all_sessions", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert "Ended 2 sessions of 1 user." in admin.get(response["Location"]).content.decode()

    assert not any(is_signed_in(c) for c in alice_browsers)
    assert not any(store_has(k) for k in keys)
    assert not UserSession.objects.filter(user=user).exists()
    assert is_signed_in(bob) and is_signed_in(admin)
    ended.assert_called_once_with(
        signal=signals.sessions_ended,
        sender=User,
        request=mock.ANY,
        user=user,
        actor=member,
        count=2,
        scope="all",
    )


def test_staff_ending_their_own_sessions_keep_the_one_in_use(staff, make_client, signal_catcher):
    member, admin = staff
    elsewhere = login_client(make_client(), member)
    ended = signal_catcher(signals.sessions_ended)
    admin.post(
        "/admin/accounts/user/", {"action": "end_all_sessions", "_selected_action": [member.pk]}
    )
    assert is_signed_in(admin)
    assert not is_signed_in(elsewhere)
    assert ended.call_args.kwargs["scope"] == "others"
    assert ended.call_args.kwargs["count"] == 1


def test_non_staff_cannot_run_the_action(alice_browsers, other_user, make_client, user):
    bob = login_client(make_client(), other_user)
    response = bob.post(
        "/admin/accounts/user/", {"action": "end_all_sessions", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert all(is_signed_in(c) for c in alice_browsers)


def test_deleting_a_session_record_in_admin_ends_the_session(
    staff, alice_browsers, user, signal_catcher
):
    member, admin = staff
    ended = signal_catcher(signals.sessions_ended)
    first, second = alice_browsers
    record = UserSession.objects.get(session_key=first.session.session_key)
    response = admin.post(f"/admin/usersessions/usersession/{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not is_signed_in(first)
    assert is_signed_in(second)
    ended.assert_called_once_with(
        signal=signals.sessions_ended,
        sender=User,
        request=mock.ANY,
        user=user,
        actor=member,
        count=1,
        scope="one",
    )


def test_bulk_deleting_session_records_ends_the_sessions(staff, alice_browsers, user):
    _, admin = staff
    pks = list(UserSession.objects.filter(user=user).values_list("pk", flat=True))
    response = admin.post(
        "/admin/usersessions/usersession/",
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )
    assert response.status_code == 302
    assert not any(is_signed_in(c) for c in alice_browsers)


def test_deleting_a_user_ends_their_sessions(staff, alice_browsers, user):
    _, admin = staff
    keys = [c.session.session_key for c in alice_browsers]
    response = admin.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not any(store_has(k) for k in keys)
    assert not any(is_signed_in(c) for c in alice_browsers)


def test_deactivating_a_user_in_admin_ends_their_sessions(staff, alice_browsers, user):
    _, admin = staff
    keys = [c.session.session_key for c in alice_browsers]
    page = admin.get(f"/admin/accounts/user/{user.pk}/change/")
    inline_management = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        inline_management.update(
            {management.add_prefix(name): value for name, value in management.initial.items()}
        )
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "email": user.email,
            "date_joined_0": "2030-01-01",
            "date_joined_1": "10:00:00",
            # "is_active" left out: the checkbox is unticked.
            **inline_management,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.is_active is False
    assert not any(store_has(k) for k in keys)
    assert not any(is_signed_in(c) for c in alice_browsers)
