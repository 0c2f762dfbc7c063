"""Create the staff groups (Operations, Finance, Support) with their permissions.

Later migrations that add models call `partner_portal.roles.sync_staff_groups_migration` again.
"""

from django.db import migrations

from partner_portal.roles import sync_staff_groups_migration


class Migration(migrations.Migration):
    dependencies = [
        ("partner_portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop),
    ]
