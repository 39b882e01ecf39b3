"""Append-only logs, and a profile for every user however it was created."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from activity.models import AppendOnlyError, LoginLog, MFALog, SecurityLog, UserProfile
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [LoginLog, SecurityLog, MFALog])
def test_rows_cannot_be_changed_or_deleted_by_application_code(model):
    row = model.objects.create(event=model.Event.values[0], username="x")
    row.username = "y"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).update(username="z")
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    assert model.objects.get(pk=row.pk).username == "x"


def test_created_at_can_be_backdated():
    past = timezone.now() - timedelta(days=40)
    assert LoginLog.objects.create(event="login", created_at=past).created_at == past


def test_profile_for_signup_factory_createsuperuser_and_admin(admin_client, monkeypatch):
    UserFactory(username="made-by-factory")
    User.objects.create_user("made-by-manager", "m@example.com", "x")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough passphrase")
    call_command(
        "createsuperuser", interactive=False, username="root", email="root@example.com", verbosity=0
    )
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "made-in-admin",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for name in ("made-by-factory", "made-by-manager", "root", "made-in-admin", "admin"):
        assert UserProfile.objects.filter(user__username=name).count() == 1, name


def test_saving_a_user_again_creates_no_second_profile(user):
    user.first_name = "Alice"
    user.save()
    assert UserProfile.objects.filter(user=user).count() == 1


def test_activate_trial(user):
    profile = user.profile
    with time_machine.travel("2030-01-01 12:00Z", tick=False):
        profile.activate_trial(days=30)
        profile.refresh_from_db()
        assert profile.trial_ends_at == timezone.now() + timedelta(days=30)
        assert profile.trial_active
    with time_machine.travel("2030-02-01 12:00Z", tick=False):
        assert not profile.trial_active
