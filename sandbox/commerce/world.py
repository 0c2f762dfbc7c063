"""Demo commerce data: orders in every interesting state and resources near and far from expiry.

Times are relative to the sandbox clock at load, so "expires in 5 days" stays true after any reset.
Order and main resource ids are fixed (see DEMO_ORDERS / DEMO_RESOURCES) so tests and demos can name
them. Payments here do not touch the budgets: the demo budgets' used amounts are set by the core.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sandbox import clock, hooks
from sandbox.commerce import services
from sandbox.commerce.models import FreeResource, FreeResourcePackage, OnDemandResource, Order, OrderLineItem, Resource
from sandbox.models import Customer, Partner

DEMO_CUSTOMER_ID = "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a"
ACME_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
ORBIT_ID = "4d5e6f708192a3b4c5d6e7f8091a2b3c"

# Fixed ids of the demo orders and main resources (all of demo-customer unless said otherwise).
DEMO_ORDERS = {
    "ecs_near_expiry": "CS2501010001DEMO1",  # completed; ECS + system disk expiring in 5 days
    "evs_far_expiry": "CS2501010002DEMO2",  # completed; yearly GPSSD disk expiring in 200 days
    "eip_auto_renew": "CS2501010003DEMO3",  # completed; EIP + bandwidth with auto-renewal on
    "pending_ecs": "CS2501010004DEMO4",  # pending payment, 14 days left to pay
    "pending_near_deadline": "CS2501010005DEMO5",  # pending payment, deadline in 4 hours
    "cancelled_vpc": "CS2501010006DEMO6",  # cancelled
    "unsubscribed_ecs": "CS2501010007DEMO7",  # completed purchase later unsubscribed
    "unsubscription": "CS2501010008DEMO8",  # the unsubscription order (refund)
    "acme_ecs": "CS2501010009DEMO9",  # acme-retail: completed, far from expiry
    "acme_pending": "CS2501010010DEMOA",  # acme-retail: pending payment
    "orbit_evs": "CS2501010011DEMOB",  # orbit-analytics: completed, expiring in 20 days
}
DEMO_RESOURCES = {
    "ecs_near_expiry": "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601",
    "evs_far_expiry": "7c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e402",
    "eip_auto_renew": "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b03",
    "unsubscribed_ecs": "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a04",
    "acme_ecs": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e05",
    "orbit_evs": "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a706",
}


def _rename(order: Order, order_id: str) -> None:
    order.order_id = order_id
    order.save(update_fields=["order_id"])
    for index, line in enumerate(order.line_items.order_by("id"), start=1):
        line.order_line_item_id = f"{order_id}-{index:06d}"
        line.save(update_fields=["order_line_item_id"])


def _purchase(customer: Customer, key: str, *, created: datetime, paid: bool = True, **console) -> Order:
    """A console purchase created at `created` and, if `paid`, paid and provisioned at once."""
    order = services.order_create_from_console(customer=customer, **console)
    _rename(order, DEMO_ORDERS[key])
    order.create_time = created
    order.pending_payment_end_time = created + services.PAYMENT_WINDOW
    order.save(update_fields=["create_time", "pending_payment_end_time"])
    if paid:
        services._apply_partner_discount(order)
        order.status = Order.Status.COMPLETED
        order.payment_time = created + timedelta(minutes=3)
        order.save(update_fields=["status", "payment_time"])
        services._provision(order, order.payment_time)
        if key in DEMO_RESOURCES:
            main = order.provisioned_resources.filter(parent__isnull=True).first()
            main.resource_id = DEMO_RESOURCES[key]
            main.save(update_fields=["resource_id"])
    return order


def _load_demo_customer(customer: Customer, now: datetime) -> None:
    _purchase(
        customer,
        "ecs_near_expiry",
        created=now - timedelta(days=26),
        service="ecs",
        region="ap-southeast-3",
        spec="s6.large.2.linux",
        size=40,
        period_type=2,
        period_num=1,
    )
    # Push the expiry to exactly 5 days from now (a calendar month is not always 31 days).
    _set_expiry(DEMO_RESOURCES["ecs_near_expiry"], now + timedelta(days=5))
    _purchase(
        customer,
        "evs_far_expiry",
        created=now - timedelta(days=165),
        service="evs",
        region="ap-southeast-1",
        spec="GPSSD",
        size=100,
        period_type=3,
        period_num=1,
    )
    _set_expiry(DEMO_RESOURCES["evs_far_expiry"], now + timedelta(days=200))
    _purchase(
        customer,
        "eip_auto_renew",
        created=now - timedelta(days=50),
        service="eip",
        region="ap-southeast-1",
        spec="5_bgp",
        size=5,
        period_type=2,
        period_num=3,
    )
    services.auto_renewal_enable(
        customer=customer, resource_id=DEMO_RESOURCES["eip_auto_renew"], times=0, period_type=2
    )
    _purchase(
        customer,
        "pending_ecs",
        created=now - timedelta(days=1),
        paid=False,
        service="ecs",
        region="ap-southeast-1",
        spec="c7.xlarge.2.win",
        size=60,
        period_type=2,
        period_num=1,
    )
    _purchase(
        customer,
        "pending_near_deadline",
        created=now - services.PAYMENT_WINDOW + timedelta(hours=4),
        paid=False,
        service="evs",
        region="ap-southeast-2",
        spec="SSD",
        size=200,
        period_type=3,
        period_num=1,
    )
    cancelled = _purchase(
        customer,
        "cancelled_vpc",
        created=now - timedelta(days=40),
        paid=False,
        service="vpc",
        region="ap-southeast-3",
        spec="19_share",
        size=10,
        period_type=2,
        period_num=1,
    )
    cancelled.status = Order.Status.CANCELLED
    cancelled.save(update_fields=["status"])
    _purchase(
        customer,
        "unsubscribed_ecs",
        created=now - timedelta(days=60),
        service="ecs",
        region="af-south-1",
        spec="s6.medium.2.linux",
        size=40,
        period_type=2,
        period_num=3,
    )
    # Unsubscribed 30 days ago: the refund covers the unused two months or so.
    unsubscribed_at = now - timedelta(days=30)
    resource = Resource.objects.get(resource_id=DEMO_RESOURCES["unsubscribed_ecs"])
    _unsubscribe_at(customer, resource, unsubscribed_at)


def _set_expiry(resource_id: str, expire: datetime) -> None:
    main = Resource.objects.get(resource_id=resource_id)
    for target in [main, *main.attached.all()]:
        target.expire_time = expire
        target.save(update_fields=["expire_time"])
    OrderLineItem.objects.filter(order=main.order).update(expire_time=expire)


def _unsubscribe_at(customer: Customer, resource: Resource, when: datetime) -> None:
    """The unsubscription as if the clock showed `when`, without giving budget back."""
    order_ids, _ = services.resources_unsubscribe(
        customer=customer,
        resource_ids=[resource.resource_id],
        unsubscribe_type=1,
        reason_type=5,
        reason="Moved the workload to Singapore.",
        now=when,
        refund_budget=False,
    )
    _rename(Order.objects.get(order_id=order_ids[0]), DEMO_ORDERS["unsubscription"])


def _on_demand(customer: Customer, now: datetime, rows: list[tuple]) -> None:
    for resource_id, name, region, zone, service, rtype, spec, info, desc, days, status in rows:
        OnDemandResource.objects.create(
            customer=customer,
            resource_id=resource_id,
            resource_name=name,
            region_code=region,
            availability_zone_code=zone,
            service_type_code=service,
            resource_type_code=rtype,
            resource_spec_code=spec,
            resource_info=info,
            product_spec_desc=desc,
            effective_time=now - timedelta(days=days),
            # A closed one (6) was deleted a month after it was created.
            expire_time=now - timedelta(days=days - 30) if status == 6 else None,
            status=status,
        )


# demo-customer's resource packages: (instance id, product, service, region, days since / until, reset
# monthly?, status, [(item id, item type, usage type, quota, used, measure id)]).
DEMO_PACKAGES = [
    (
        "b1c2d3e4f5a60718293a4b5c6d7e8f01",
        "OBS standard storage package 40 GB (1 year)",
        "hws.service.type.obs",
        "ap-southeast-1",
        (100, 265),
        True,
        FreeResourcePackage.Status.EFFECTIVE,
        [("c1d2e3f4a5b60718293a4b5c6d7e8f01", "Storage", "Standard storage capacity", "40", "12.5", 17)],
    ),
    (
        "b1c2d3e4f5a60718293a4b5c6d7e8f02",
        "Shared data transfer package 100 GB (6 months)",
        "hws.service.type.vpc",
        "ap-southeast-3",
        (30, 150),
        False,
        FreeResourcePackage.Status.EFFECTIVE,
        [("c1d2e3f4a5b60718293a4b5c6d7e8f02", "Data transfer", "Outbound traffic", "100", "63.2", 10)],
    ),
    (
        "b1c2d3e4f5a60718293a4b5c6d7e8f03",
        "General computing 744 hours (1 month)",
        "hws.service.type.ec2",
        "ap-southeast-1",
        (40, -10),
        False,
        FreeResourcePackage.Status.EXPIRED,
        [("c1d2e3f4a5b60718293a4b5c6d7e8f03", "Compute", "Duration", "744", "744", 4)],
    ),
]


def _packages(customer: Customer, now: datetime) -> None:
    for instance_id, product, service, region, (since, until), monthly, status, items in DEMO_PACKAGES:
        package = FreeResourcePackage.objects.create(
            customer=customer,
            order_instance_id=instance_id,
            order_id=f"CS{instance_id[-10:].upper()}PKG",
            product_id=f"OFFI{instance_id[:16].upper()}",
            product_name=product,
            service_type_code=service,
            region_code=region,
            effective_time=now - timedelta(days=since),
            expire_time=now + timedelta(days=until),
            status=status,
            quota_reuse_mode=1 if monthly else 2,
        )
        for item_id, type_name, usage_type, quota, used, measure_id in items:
            FreeResource.objects.create(
                package=package,
                free_resource_id=item_id,
                free_resource_type_name=type_name,
                usage_type_name=usage_type,
                original_amount=Decimal(quota),
                used_amount=Decimal(used),
                measure_id=measure_id,
            )


@hooks.on_world_load
def load(*, partner: Partner, world: str) -> None:
    if world != "demo":
        return
    now = clock.now()
    customers = {c.customer_id: c for c in Customer.objects.filter(partner=partner)}
    demo = customers.get(DEMO_CUSTOMER_ID)
    if demo is not None:
        _load_demo_customer(demo, now)
        _packages(demo, now)
        _on_demand(
            demo,
            now,
            [
                (
                    "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c01",
                    "ecs-batch-01",
                    "ap-southeast-1",
                    "ap-southeast-1a",
                    "hws.service.type.ec2",
                    "hws.resource.type.vm",
                    "c7.large.2.linux",
                    {"specSize": 0},
                    "C7 2 vCPUs | 4 GiB | c7.large.2 | Linux",
                    12,
                    1,
                ),
                (
                    "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c02",
                    "volume-batch-01",
                    "ap-southeast-1",
                    "ap-southeast-1a",
                    "hws.service.type.ebs",
                    "hws.resource.type.volume",
                    "SSD",
                    {"specSize": 100.0},
                    "EVS Ultra-high I/O (SSD) | 100 GB",
                    12,
                    1,
                ),
                (
                    "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c03",
                    "bandwidth-batch-01",
                    "ap-southeast-1",
                    "",
                    "hws.service.type.vpc",
                    "hws.resource.type.bandwidth",
                    "12_bgp",
                    {"specSize": 50.0},
                    "Dedicated bandwidth, dynamic BGP, billed by traffic | 50 Mbit/s",
                    12,
                    1,
                ),
                (
                    "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c04",
                    "ecs-old-test",
                    "ap-southeast-3",
                    "ap-southeast-3b",
                    "hws.service.type.ec2",
                    "hws.resource.type.vm",
                    "s6.small.1.linux",
                    {"specSize": 0},
                    "S6 1 vCPUs | 1 GiB | s6.small.1 | Linux",
                    90,
                    6,
                ),
            ],
        )
    acme = customers.get(ACME_ID)
    if acme is not None:
        _purchase(
            acme,
            "acme_ecs",
            created=now - timedelta(days=100),
            service="ecs",
            region="ap-southeast-3",
            spec="m7.xlarge.8.linux",
            size=100,
            period_type=3,
            period_num=1,
        )
        _purchase(
            acme,
            "acme_pending",
            created=now - timedelta(days=2),
            paid=False,
            service="eip",
            region="ap-southeast-3",
            spec="5_bgp",
            size=20,
            period_type=2,
            period_num=6,
        )
    orbit = customers.get(ORBIT_ID)
    if orbit is not None:
        _purchase(
            orbit,
            "orbit_evs",
            created=now - timedelta(days=10),
            service="evs",
            region="ap-southeast-4",
            spec="SAS",
            size=500,
            period_type=2,
            period_num=1,
        )
        _set_expiry(DEMO_RESOURCES["orbit_evs"], now + timedelta(days=20))
        _on_demand(
            orbit,
            now,
            [
                (
                    "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e01",
                    "ecs-etl-worker",
                    "ap-southeast-3",
                    "ap-southeast-3a",
                    "hws.service.type.ec2",
                    "hws.resource.type.vm",
                    "c7.2xlarge.2.linux",
                    {"specSize": 0},
                    "C7 8 vCPUs | 16 GiB | c7.2xlarge.2 | Linux",
                    30,
                    1,
                ),
                (
                    "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e02",
                    "eip-etl",
                    "ap-southeast-3",
                    "",
                    "hws.service.type.vpc",
                    "hws.resource.type.ip",
                    "5_bgp",
                    {"specSize": 1.0},
                    "Elastic IP, dynamic BGP",
                    30,
                    2,
                ),
            ],
        )
