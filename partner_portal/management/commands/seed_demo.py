"""Demo users and the demo customer, for development and the sandbox. Safe to run at every start."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from customers.models import Customer
from partner_portal.roles import FINANCE, OPERATIONS, SUPPORT, sync_staff_groups

DEFAULT_PASSWORD = "demo-pass-2026"  # noqa: S105 -- a documented development default

# The sandbox knows this customer; its ids must match the sandbox's seed.
DEMO_CUSTOMER = {
    "account_name": "demo-customer",
    "email": "demo-customer@example.com",
    "xaccount_id": "pp-demo-customer",
    "customer_id": "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
    "binding": Customer.Binding.BOUND,
    "real_name_status": Customer.RealNameStatus.APPROVED,
    "customer_type": Customer.CustomerType.INDIVIDUAL,
}

# username, role (group), superuser, what to try
STAFF = [
    ("admin", None, True, "everything in /admin/"),
    ("ops", OPERATIONS, False, "customers, orders, resources"),
    ("finance", FINANCE, False, "bills, rating, exports"),
    ("support", SUPPORT, False, "tickets"),
]


class Command(BaseCommand):
    help = "Create the demo staff users, the demo customer and its user. Idempotent; refused when DEBUG is off."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is False.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with a known password and is meant for development. "
                "DEBUG is False here; pass --force if you really want demo users on this database."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        rows = []
        with transaction.atomic():
            sync_staff_groups()
            for username, role, is_superuser, scope in STAFF:
                user = _upsert_user(
                    username, password, is_staff=True, is_superuser=is_superuser, email=f"{username}@example.com"
                )
                user.groups.set([Group.objects.get(name=role)] if role else [])
                rows.append((username, role or "superuser", "/admin/", scope))

            customer_user = _upsert_user(
                DEMO_CUSTOMER["account_name"],
                password,
                is_staff=False,
                is_superuser=False,
                email=DEMO_CUSTOMER["email"],
            )
            Customer.objects.update_or_create(
                customer_id=DEMO_CUSTOMER["customer_id"],
                defaults={**DEMO_CUSTOMER, "user": customer_user},
            )
            rows.append((customer_user.username, "customer", "/account/", "the sandbox's demo customer"))

        self._print_table(rows, password)

    def _print_table(self, rows, password):
        headers = ("login", "role", "start at", "for")
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

        def line(cells):
            return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {password})"))
        self.stdout.write(line(headers))
        self.stdout.write(line("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row))


def _upsert_user(username, password, *, is_staff, is_superuser, email):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username)
    user.email = email
    user.is_active = True
    user.is_staff = is_staff
    user.is_superuser = is_superuser
    # Set again each run so DEMO_PASSWORD changes take effect; skip the hash when it already matches.
    if not user.check_password(password):
        user.set_password(password)
    user.save()
    return user
