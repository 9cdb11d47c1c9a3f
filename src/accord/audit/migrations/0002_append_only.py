"""Refuse UPDATE and DELETE on the audit log at the database, not only in Python.

SQLite and PostgreSQL each get triggers; on PostgreSQL TRUNCATE is refused as well.
"""

from django.db import migrations

TABLE = "audit_auditevent"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER audit_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: updates are refused'); END;""",
    f"""CREATE TRIGGER audit_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: deletes are refused'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER audit_no_update;", "DROP TRIGGER audit_no_delete;"]

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION accord_audit_refuse() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'the audit log is append-only: % is refused', TG_OP;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accord_audit_refuse();""",
    f"""CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION accord_audit_refuse();""",
]
PG_BACKWARD = [
    f"DROP TRIGGER audit_no_truncate ON {TABLE};",
    f"DROP TRIGGER audit_no_update_delete ON {TABLE};",
    "DROP FUNCTION accord_audit_refuse();",
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
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
