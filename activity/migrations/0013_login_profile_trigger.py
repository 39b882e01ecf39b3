"""The login log's trigger also counts the login in the user's profile (``login_count``,
``last_login_ip``, ``last_login_at``; an upsert, so a user without a profile gets one): one
statement per login instead of the LoginLog INSERT and the profile UPDATE (activity/dbsetup.py).
"""

from django.db import migrations

from activity import dbsetup


def create(apps, schema_editor):
    dbsetup.create_counter_triggers(schema_editor.connection, profiles=True)


def restore(apps, schema_editor):
    dbsetup.create_counter_triggers(schema_editor.connection, profiles=False)


class Migration(migrations.Migration):
    dependencies = [("activity", "0012_merge_0011_counter_triggers_0011_verbose_names")]

    operations = [migrations.RunPython(create, restore, elidable=False)]
