"""Prefix-search indexes for the admin's username/email search (PostgreSQL only; see
activity/dbsetup.py). SQLite keeps plain tables."""

from django.db import migrations

from activity import dbsetup


def create(apps, schema_editor):
    dbsetup.create_search_indexes(schema_editor.connection)


def drop(apps, schema_editor):
    dbsetup.drop_search_indexes(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("activity", "0003_event_counts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
