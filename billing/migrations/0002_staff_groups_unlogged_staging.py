"""Give the Finance group the billing permissions (partner_portal.roles), and make the staging table
UNLOGGED on PostgreSQL: its rows are rebuilt from the bill file, so they need no write-ahead log."""

from django.db import migrations

from partner_portal.roles import sync_staff_groups_migration


def staging_unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE billing_stagedline SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("partner_portal", "0004_staff_groups_budgets_audit"),
    ]

    operations = [
        migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop),
        migrations.RunPython(staging_unlogged, migrations.RunPython.noop),
    ]
