"""Staff roles: the groups partner staff belong to, and the model permissions each one has.

A role grants actions ("view", "add", "change", "delete") on models, named either by app label
(every model of that app, now and later) or by "app_label.model". Permissions of models that do not
exist yet are skipped, so the roles can name models before they are written.

`sync_staff_groups()` creates the groups and brings their permissions in line with ROLES. It adds,
and never removes, so a permission granted by hand in /admin/ survives. Migration
0002_staff_groups calls it; a later migration that adds models calls it again:

    from partner_portal.roles import sync_staff_groups_migration

    operations = [migrations.RunPython(sync_staff_groups_migration, migrations.RunPython.noop)]

with a dependency on the migration that creates the new models.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

OPERATIONS = "Operations"
FINANCE = "Finance"
SUPPORT = "Support"

VIEW = ("view",)
VIEW_CHANGE = ("view", "change")
ALL = ("view", "add", "change", "delete")

ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    # Customers, budgets, orders, resources: looks after what customers run.
    OPERATIONS: {
        "customers": VIEW_CHANGE,
        "orders": VIEW_CHANGE,
        "billing": VIEW,
        "tickets": VIEW,
        "partner_portal.workerheartbeat": VIEW,
    },
    # Bills, rating, exports: customers read-only.
    FINANCE: {
        "customers": VIEW,
        "orders": VIEW,
        "billing": VIEW_CHANGE,
    },
    # Tickets: customers read-only.
    SUPPORT: {
        "customers": VIEW,
        "orders": VIEW,
        "tickets": ("view", "add", "change"),
    },
}


# Permissions beyond view/add/change/delete, as "app_label.codename" (declared in a model's Meta.permissions).
# Operations changes budgets and freezes; Finance reads the audit log; Support only sees customers.
EXTRA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    OPERATIONS: (
        "customers.change_budget",
        "customers.freeze_customer",
        "customers.sync_customers",
        "partner_portal.view_auditentry",
    ),
    FINANCE: ("partner_portal.view_auditentry",),
    SUPPORT: (),
}


def _models(apps, target: str) -> list:
    app_label, _, model_name = target.partition(".")
    try:
        app_config = apps.get_app_config(app_label)
        return [app_config.get_model(model_name)] if model_name else list(app_config.get_models())
    except LookupError:
        return []  # not written yet


def role_permissions(role: str, *, apps=global_apps, using: str = DEFAULT_DB_ALIAS):
    """The Permission rows ROLES grants `role`, for the models that exist now."""
    Permission = apps.get_model("auth", "Permission")
    query = Q(pk__in=[])
    for target, actions in ROLES[role].items():
        for model in _models(apps, target):
            opts = model._meta
            query |= Q(
                content_type__app_label=opts.app_label,
                content_type__model=opts.model_name,
                codename__in=[f"{action}_{opts.model_name}" for action in actions],
            )
    for permission in EXTRA_PERMISSIONS.get(role, ()):
        app_label, _, codename = permission.partition(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.using(using).filter(query)


def sync_staff_groups(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the staff groups and give each the permissions ROLES names. Safe to run again."""
    # Permissions are normally made by a post_migrate signal, after every migration has run; make
    # them now so this also works inside a migration on a fresh database.
    for app_config in apps.get_app_configs():
        # create_permissions skips an app whose models_module is unset, as it is in the historical
        # registry a migration gets (AppConfigStub has no such attribute at all).
        had_models_module = getattr(app_config, "models_module", None)
        app_config.models_module = had_models_module or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = had_models_module
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.add(*role_permissions(role, apps=apps, using=using))


def sync_staff_groups_migration(apps, schema_editor) -> None:
    """The RunPython form of sync_staff_groups, for migrations."""
    sync_staff_groups(apps, using=schema_editor.connection.alias)
