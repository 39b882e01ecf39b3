"""Monthly range partitions of the three log tables on PostgreSQL (activity/partitioning.py).

SQLite (and any other database) keeps plain tables: the operation does nothing there.
"""

from django.db import migrations

from activity import partitioning


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in partitioning.LOG_TABLES:
            partitioning.partition_table(cursor, table)


class Migration(migrations.Migration):
    dependencies = [("activity", "0005_digests")]

    # Not reversible: going back would copy every row into plain tables again.
    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
