"""Refuse UPDATE of a received release at the database, not only in Python.

As for datasets (datasets 0002): deletes are refused by the model and its queryset, but the
database allows them, so that a retention decision can be carried out by a migration and
test databases can be flushed.
"""

from django.db import migrations

TABLE = "monitoring_receivedrelease"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER received_releases_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'received releases are immutable: updates are refused'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER received_releases_no_update;"]

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION accord_received_releases_refuse() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'received releases are immutable: % is refused', TG_OP;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER received_releases_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accord_received_releases_refuse();""",
]
PG_BACKWARD = [
    f"DROP TRIGGER received_releases_no_update ON {TABLE};",
    "DROP FUNCTION accord_received_releases_refuse();",
]


def forward(apps, schema_editor):
    statements = PG_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    statements = PG_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_received_release")]
    operations = [migrations.RunPython(forward, backward)]
