"""The triggers that keep EventCount and FailedLoginSource with each log row (SQLite and
PostgreSQL; see activity/dbsetup.py). Runs after the logs were partitioned, so on
PostgreSQL the triggers sit on the partitioned parents."""

from django.db import migrations

from activity import dbsetup


def create(apps, schema_editor):
    dbsetup.create_counter_triggers(schema_editor.connection, profiles=False)


def drop(apps, schema_editor):
    dbsetup.drop_counter_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("activity", "0010_merge_audit_scale")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
