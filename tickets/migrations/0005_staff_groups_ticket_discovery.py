"""Give the staff roles the permissions of TicketDiscovery (Support and Operations may view it)."""

from django.db import migrations

from partner_portal.roles import sync_staff_groups_migration


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_ticket_discovery"),
        ("partner_portal", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop)]
