"""Reads of customers shared by pages, the API, exports and services."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from customers.models import Customer


def customers_matching_cloud_ids(*, customer_ids: Iterable[str], xaccount_ids: Iterable[str]) -> QuerySet[Customer]:
    """Local customers that mirror any of these HUAWEI CLOUD accounts, by customer id or by our xaccount id."""
    customer_ids = [value for value in customer_ids if value]
    xaccount_ids = [value for value in xaccount_ids if value]
    if not customer_ids and not xaccount_ids:
        return Customer.objects.none()
    return Customer.objects.filter(Q(customer_id__in=customer_ids) | Q(xaccount_id__in=xaccount_ids))


def customers_pending_binding() -> QuerySet[Customer]:
    """Customers whose HUAWEI CLOUD account is being created or not yet bound to the local row."""
    return Customer.objects.filter(binding=Customer.Binding.PENDING, customer_id__isnull=True)


def customers_bound() -> list[int]:
    """Primary keys of the customers bound to a HUAWEI CLOUD account: the per-customer syncs work on these."""
    return list(
        Customer.objects.filter(binding=Customer.Binding.BOUND, customer_id__isnull=False)
        .exclude(customer_id="")
        .values_list("pk", flat=True)
    )
