from django.db import migrations

from partner_portal.roles import sync_staff_groups_migration


class Migration(migrations.Migration):
    """Give the staff groups their permissions on the order models (partner_portal/roles.py)."""

    dependencies = [
        ("orders", "0001_orders_payments"),
        ("partner_portal", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop)]
