"""Refuse UPDATE of a received withdrawal notice at the database, as for received releases
(0003, whose PostgreSQL function this reuses)."""

from django.db import migrations

TABLE = "monitoring_receivedwithdrawal"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER received_withdrawals_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'received withdrawals are immutable: updates are refused'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER received_withdrawals_no_update;"]

PG_FORWARD = [
    f"""CREATE TRIGGER received_withdrawals_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accord_received_releases_refuse();""",
]
PG_BACKWARD = [f"DROP TRIGGER received_withdrawals_no_update ON {TABLE};"]


def forward(apps, schema_editor):
    statements = PG_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    statements = PG_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_received_withdrawal")]
    operations = [migrations.RunPython(forward, backward)]
