"""Give the staff groups the budget, freeze, sync and audit-log permissions (partner_portal.roles)."""

from django.db import migrations

from partner_portal.roles import sync_staff_groups_migration


class Migration(migrations.Migration):
    dependencies = [
        ("partner_portal", "0003_audit_log"),
        ("customers", "0003_customer_budget_association_sync_runs_alerts"),
    ]

    operations = [
        migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop),
    ]
