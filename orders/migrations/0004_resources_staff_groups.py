"""Give the staff groups their permissions on the resource models (partner_portal.roles)."""

from django.db import migrations

from partner_portal.roles import sync_staff_groups_migration


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_resources")]

    operations = [migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop)]
