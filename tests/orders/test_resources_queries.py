"""Query counts of the resources list: the same with 10 and with 1,000 resources."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Resource
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _resources(customer, count: int) -> None:
    now = timezone.now()
    mains = Resource.objects.bulk_create(
        Resource(
            customer=customer,
            resource_id=f"{customer.pk}-vm-{n}",
            resource_name=f"ecs-{n}",
            is_main_resource=True,
            service_type_code="hws.service.type.ec2",
            service_type_name="Elastic Cloud Server",
            resource_type_code="hws.resource.type.vm",
            region_code="ap-southeast-1",
            status=Resource.Status.IN_USE,
            expires_at=now + timedelta(days=n % 90),
            expire_policy=0,
            order_id=f"CS{n:010d}",
        )
        for n in range(count // 2)
    )
    Resource.objects.bulk_create(
        Resource(
            customer=customer,
            resource_id=f"{customer.pk}-disk-{n}",
            is_main_resource=False,
            parent=main,
            parent_resource_id=main.resource_id,
            service_type_code="hws.service.type.ebs",
            resource_type_code="hws.resource.type.volume",
            status=Resource.Status.IN_USE,
            expires_at=main.expires_at,
        )
        for n, main in enumerate(mains)
    )


# Session + user, the customer, the sync state, filter choices, the page count, the page of main
# resources, their attached resources (one prefetch): the same for 10 and 1,000 resources.
MAX_QUERIES = 8


@pytest.mark.parametrize("count", [10, 1000])
def test_resources_list_query_count_does_not_grow(client, django_assert_max_num_queries, count):
    customer = CustomerFactory()
    _resources(customer, count)
    client.force_login(customer.user)

    started = time.perf_counter()
    with django_assert_max_num_queries(MAX_QUERIES) as queries:
        response = client.get(reverse("resources"))
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    print(f"\nresources list, {count} resources: {len(queries)} queries, {elapsed * 1000:.0f} ms")
    assert response.content.decode().count('class="resource-main"') == min(count // 2, 100)
