"""Give the staff roles (Support: view/add/change) the permissions of the ticket models."""

from django.db import migrations

from partner_portal.roles import sync_staff_groups_migration


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_tickets"),
        ("partner_portal", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop)]
