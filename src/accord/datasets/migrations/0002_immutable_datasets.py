"""Refuse UPDATE of an imported dataset at the database, not only in Python.

Deletes are refused by the model and its queryset; the database still allows them so a
retention decision taken later can be carried out by a migration, and test databases can
be flushed.
"""

from django.db import migrations

TABLE = "datasets_dataset"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER datasets_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'datasets are immutable: updates are refused'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER datasets_no_update;"]

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION accord_datasets_refuse() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'datasets are immutable: % is refused', TG_OP;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER datasets_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accord_datasets_refuse();""",
]
PG_BACKWARD = [
    f"DROP TRIGGER datasets_no_update ON {TABLE};",
    "DROP FUNCTION accord_datasets_refuse();",
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
    dependencies = [("datasets", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
