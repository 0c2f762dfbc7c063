"""Run every periodic HUAWEI CLOUD sync once, now, instead of waiting for beat's schedule."""

from __future__ import annotations

from celery import chain, group
from django.core.management.base import BaseCommand


def sync_workflow():
    """Customers first (the other syncs work per customer), then their budgets, then the rest at once.

    Every task in it is safe to run twice (each says how in its docstring), so running this while
    beat also runs them changes nothing but the time of the last sync.
    """
    from billing.tasks import partner_bills_sync
    from customers.tasks import budgets_refresh, customers_sync, realname_reviews_check
    from orders.tasks import orders_sync_all, resources_sync_all
    from tickets.tasks import ticket_catalogue_refresh, tickets_discover_all, tickets_sync

    return chain(
        customers_sync.si(),
        budgets_refresh.si(),
        group(
            realname_reviews_check.si(),
            orders_sync_all.si(),
            resources_sync_all.si(),
            ticket_catalogue_refresh.si(),
            tickets_sync.si(),
            tickets_discover_all.si(),
            partner_bills_sync.si(),
        ),
    )


class Command(BaseCommand):
    help = (
        "Queue every HUAWEI CLOUD sync once now: customers, budgets, real-name reviews, orders, resources, "
        "the ticket catalogue, tickets and the tickets raised in HUAWEI CLOUD directly, and the latest "
        "closed partner bill with its bill file. "
        "make run calls it at start so the site shows the cloud's data at once; run it after switching "
        "credentials or endpoints. With eager tasks (tests, CELERY_TASK_ALWAYS_EAGER) it runs here."
    )

    def handle(self, *args, **options):
        sync_workflow().apply_async()
        self.stdout.write(
            "Queued: customers, budgets, real-name reviews, orders, resources, ticket catalogue, tickets, "
            "tickets raised in HUAWEI CLOUD, partner bill."
        )
