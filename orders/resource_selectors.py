"""Reads of the customers' resources that pages, the admin and exports share."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from customers.models import Customer
from orders.models import OnDemandResource, RenewalAttempt, Resource, Unsubscription

EXPIRING_DAYS = 30

# HUAWEI CLOUD service / resource type -> the console area "Manage" opens (customers.sso.SERVICES).
_CONSOLE_SERVICE_BY_RESOURCE_TYPE = {
    "hws.resource.type.vm": "ecs",
    "hws.resource.type.volume": "evs",
    "hws.resource.type.ip": "eip",
    "hws.resource.type.bandwidth": "vpc",
}
_CONSOLE_SERVICE_BY_SERVICE_TYPE = {
    "hws.service.type.ec2": "ecs",
    "hws.service.type.ebs": "evs",
    "hws.service.type.vpc": "vpc",
}


def console_service(*, service_type_code: str, resource_type_code: str = "") -> str | None:
    """The console service (ecs, evs, vpc, eip) that manages such a resource, or None."""
    return _CONSOLE_SERVICE_BY_RESOURCE_TYPE.get(resource_type_code) or _CONSOLE_SERVICE_BY_SERVICE_TYPE.get(
        service_type_code
    )


def resources_for_customer(
    *,
    customer: Customer,
    service: str = "",
    region: str = "",
    status: int | None = None,
    expiring: bool = False,
) -> QuerySet[Resource]:
    """The customer's main resources (and attached ones whose main resource we do not know), soonest
    expiry first (closed ones last), each with its attached resources prefetched (`attached_list`): two queries in all."""
    queryset = Resource.objects.filter(customer=customer).filter(Q(is_main_resource=True) | Q(parent__isnull=True))
    if service:
        queryset = queryset.filter(service_type_code=service)
    if region:
        queryset = queryset.filter(region_code=region)
    if status is not None:
        queryset = queryset.filter(status=status)
    if expiring:
        now = timezone.now()
        queryset = queryset.filter(
            expires_at__gt=now, expires_at__lte=now + timedelta(days=EXPIRING_DAYS), status=Resource.Status.IN_USE
        )
    # Closed resources last: what still runs matters first.
    closed_last = Case(When(status=Resource.Status.CLOSED, then=Value(1)), default=Value(0))
    return queryset.order_by(closed_last, F("expires_at").asc(nulls_last=True), "pk").prefetch_related(
        Prefetch("attached", queryset=Resource.objects.order_by("resource_type_code", "pk"), to_attr="attached_list")
    )


def resource_filter_choices(*, customer: Customer) -> dict[str, list[tuple[str, str]]]:
    """Services and regions the customer has resources in, for the filters (one query)."""
    rows = Resource.objects.filter(customer=customer).values_list(
        "service_type_code", "service_type_name", "region_code"
    )
    services: dict[str, str] = {}
    regions: set[str] = set()
    for code, name, region in rows.distinct():
        if code:
            services[code] = name or code
        if region:
            regions.add(region)
    return {
        "services": sorted(services.items(), key=lambda item: item[1]),
        "regions": [(region, region) for region in sorted(regions)],
    }


def resources_by_ids(*, customer: Customer, resource_ids: list[str]) -> list[Resource]:
    """The customer's resources with these ids, in the order given. Any id that is not theirs: 404."""
    ids = list(dict.fromkeys(resource_ids))
    rows = {
        r.resource_id: r
        for r in Resource.objects.filter(customer=customer, resource_id__in=ids).prefetch_related(
            Prefetch("attached", queryset=Resource.objects.order_by("pk"), to_attr="attached_list")
        )
    }
    if len(rows) != len(ids):
        raise Http404("No such resource.")
    return [rows[rid] for rid in ids]


def resource_for_customer(*, customer: Customer, resource_id: str) -> Resource:
    resource = Resource.objects.filter(customer=customer, resource_id=resource_id).select_related("customer").first()
    if resource is None:
        raise Http404("No such resource.")
    return resource


def on_demand_for_customer(*, customer: Customer) -> QuerySet[OnDemandResource]:
    return OnDemandResource.objects.filter(customer=customer).order_by(
        "status", "service_type_name", "resource_name", "pk"
    )


def renewal_for_customer(*, customer: Customer, pk: int) -> RenewalAttempt:
    attempt = RenewalAttempt.objects.filter(customer=customer, pk=pk).first()
    if attempt is None:
        raise Http404("No such renewal.")
    return attempt


def unsubscription_for_customer(*, customer: Customer, pk: int) -> Unsubscription:
    unsubscription = Unsubscription.objects.filter(customer=customer, pk=pk).first()
    if unsubscription is None:
        raise Http404("No such unsubscription.")
    return unsubscription


def resource_names(*, customer: Customer, resource_ids: list[str]) -> dict[str, str]:
    return dict(
        Resource.objects.filter(customer=customer, resource_id__in=resource_ids).values_list(
            "resource_id", "resource_name"
        )
    )
