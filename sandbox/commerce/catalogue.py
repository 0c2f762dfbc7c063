"""What the simulated cloud sells and for how much: regions, service/resource/usage types, measure
units, products (ECS flavours, EVS disk types, bandwidth, EIP) and their prices.

Prices are list prices in USD, invented but in the right proportions: a month of a product costs its
`monthly` price times the region's factor; a year is 10 months; an hour of pay-per-use is the monthly
price / 720 x 1.4 (on-demand costs more than a subscription). Linear products (disks, bandwidth) are
priced per GB / Mbps. The partner discount (type 607) takes a share off ECS and EVS.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HOURS_PER_MONTH = 720
PAY_PER_USE_MARKUP = Decimal("1.4")
MONTHS_PER_YEAR_PRICE = 10  # a year costs 10 months

# Measure ids (list_measure_units): money, duration, traffic, quantity, capacity, bandwidth.
MEASURE_USD = 1
MEASURE_HOUR = 4
MEASURE_DAY = 5
MEASURE_MONTH = 19
MEASURE_YEAR = 20
MEASURE_TRAFFIC_GB = 10
MEASURE_COUNT = 14
MEASURE_MBPS = 15
MEASURE_GB = 17

# (measure_id, English name, Chinese name, abbreviation, measure_type)
# measure_type: 1 currency, 2 duration, 3 traffic, 4 quantity, 7 capacity, 16 bandwidth rate.
MEASURE_UNITS = [
    (1, "Dollar", "元", "USD", 1),
    (2, "Dime", "角", "dime", 1),
    (3, "Cent", "分", "cent", 1),
    (4, "Hour", "小时", "h", 2),
    (5, "Day", "天", "d", 2),
    (19, "Month", "月", "mon", 2),
    (20, "Year", "年", "yr", 2),
    (10, "GB", "GB", "GB", 3),
    (11, "MB", "MB", "MB", 3),
    (14, "Count", "个", "count", 4),
    (17, "GB", "GB", "GB", 7),
    (39, "TB", "TB", "TB", 7),
    (15, "Mbit/s", "Mbit/s", "Mbps", 16),
    (16, "Gbit/s", "Gbit/s", "Gbps", 16),
]
# (measure_id, ref_measure_id, conversion_ratio, measure_type): 1 measure_id = ratio ref units.
CONVERSIONS = [
    (1, 2, 10, 1),
    (1, 3, 100, 1),
    (2, 3, 10, 1),
    (5, 4, 24, 2),
    (19, 5, 30, 2),
    (20, 19, 12, 2),
    (10, 11, 1024, 3),
    (39, 17, 1024, 7),
    (16, 15, 1000, 16),
]

# Regions: code -> (English name, price factor).
REGIONS = {
    "ap-southeast-1": ("CN-Hong Kong", Decimal("1.00")),
    "ap-southeast-2": ("AP-Bangkok", Decimal("0.92")),
    "ap-southeast-3": ("AP-Singapore", Decimal("1.05")),
    "ap-southeast-4": ("AP-Jakarta", Decimal("0.98")),
    "af-south-1": ("AF-Johannesburg", Decimal("1.12")),
    "la-south-2": ("LA-Santiago", Decimal("1.15")),
}

SERVICE_ECS = "hws.service.type.ec2"
SERVICE_EVS = "hws.service.type.ebs"
SERVICE_VPC = "hws.service.type.vpc"

# service_type_code -> (English name, Chinese name, abbreviation). Only ECS/EVS/VPC are for sale here;
# the others make the catalogue lists look like the real one.
SERVICE_TYPES = {
    SERVICE_ECS: ("Elastic Cloud Server", "弹性云服务器", "ECS"),
    SERVICE_EVS: ("Elastic Volume Service", "云硬盘", "EVS"),
    SERVICE_VPC: ("Virtual Private Cloud", "虚拟私有云", "VPC"),
    "hws.service.type.obs": ("Object Storage Service", "对象存储服务", "OBS"),
    "hws.service.type.rds": ("Relational Database Service", "云数据库", "RDS"),
    "hws.service.type.elb": ("Elastic Load Balance", "弹性负载均衡", "ELB"),
    "hws.service.type.cce": ("Cloud Container Engine", "云容器引擎", "CCE"),
    "hws.service.type.dcs": ("Distributed Cache Service", "分布式缓存服务", "DCS"),
    "hws.service.type.cbr": ("Cloud Backup and Recovery", "云备份", "CBR"),
    "hws.service.type.cdn": ("Content Delivery Network", "内容分发网络", "CDN"),
}

RESOURCE_VM = "hws.resource.type.vm"
RESOURCE_VOLUME = "hws.resource.type.volume"
RESOURCE_BANDWIDTH = "hws.resource.type.bandwidth"
RESOURCE_IP = "hws.resource.type.ip"

# resource_type_code -> (English name, Chinese name, description, service_type_code)
RESOURCE_TYPES = {
    RESOURCE_VM: ("Cloud server", "云主机", "ECS virtual machine", SERVICE_ECS),
    RESOURCE_VOLUME: ("Cloud disk", "云硬盘", "EVS disk", SERVICE_EVS),
    RESOURCE_BANDWIDTH: ("Bandwidth", "带宽", "Dedicated or shared bandwidth", SERVICE_VPC),
    RESOURCE_IP: ("Elastic IP", "弹性公网IP", "EIP address", SERVICE_VPC),
    "hws.resource.type.obs": ("Standard storage", "标准存储", "OBS standard storage", "hws.service.type.obs"),
    "hws.resource.type.rds.vm": ("Database instance", "数据库实例", "RDS instance", "hws.service.type.rds"),
    "hws.resource.type.elb": ("Load balancer", "负载均衡器", "Shared load balancer", "hws.service.type.elb"),
    "hws.resource.type.cce.cluster": ("Cluster", "集群", "CCE cluster", "hws.service.type.cce"),
    "hws.resource.type.dcs": ("Cache instance", "缓存实例", "Redis instance", "hws.service.type.dcs"),
    "hws.resource.type.cbr.vault": ("Backup vault", "备份存储库", "CBR vault", "hws.service.type.cbr"),
}

# Usage factors a pay-per-use product is rated by: resource type -> {usage_factor: allowed measure ids}.
USAGE_TYPES = {
    RESOURCE_VM: {"Duration": {MEASURE_HOUR, MEASURE_DAY}},
    RESOURCE_VOLUME: {"Duration": {MEASURE_HOUR, MEASURE_DAY}},
    RESOURCE_IP: {"Duration": {MEASURE_HOUR, MEASURE_DAY}},
    RESOURCE_BANDWIDTH: {"Duration": {MEASURE_HOUR, MEASURE_DAY}, "upflow": {MEASURE_TRAFFIC_GB}},
}
USAGE_TYPE_NAMES = {"Duration": ("Duration", "时长"), "upflow": ("Outbound traffic", "上行流量")}

# Static BGP (sbgp) only exists in Hong Kong; the m7 family is not sold in Johannesburg.
SBGP_REGIONS = {"ap-southeast-1"}
M7_MISSING_REGIONS = {"af-south-1"}


@dataclass(frozen=True)
class Product:
    """One sellable specification (`resource_spec`) of a resource type."""

    service_type_code: str
    resource_type_code: str
    spec: str
    monthly: Decimal  # USD per month (per GB / Mbps for linear products) in a factor-1.00 region
    description: str
    size_measure_id: int | None = None  # set for linear products
    min_size: int = 1
    max_size: int = 1
    by_traffic: bool = False  # priced per GB of traffic: pay-per-use only
    partner_discount: Decimal | None = None  # ratio paid under the 607 partner discount (0.90 = 10 % off)

    @property
    def linear(self) -> bool:
        return self.size_measure_id is not None


ECS_FAMILIES = {
    # family: (per vCPU, per GiB, sizes as (name, vcpus, memory GiB))
    "s6": (
        Decimal("7.50"),
        Decimal("2.80"),
        [("small.1", 1, 1), ("medium.2", 1, 2), ("large.2", 2, 4), ("xlarge.2", 4, 8), ("2xlarge.2", 8, 16)],
    ),
    "c7": (Decimal("11.00"), Decimal("3.20"), [("large.2", 2, 4), ("xlarge.2", 4, 8), ("2xlarge.2", 8, 16)]),
    "m7": (Decimal("9.00"), Decimal("3.00"), [("large.8", 2, 16), ("xlarge.8", 4, 32), ("2xlarge.8", 8, 64)]),
}
WINDOWS_PER_VCPU = Decimal("9.50")
ECS_DISCOUNT = Decimal("0.90")
EVS_DISCOUNT = Decimal("0.95")


def _build_products() -> dict[tuple[str, str], Product]:
    products: dict[tuple[str, str], Product] = {}
    for family, (per_cpu, per_gib, sizes) in ECS_FAMILIES.items():
        for size, cpus, gib in sizes:
            base = per_cpu * cpus + per_gib * gib
            for os_name, monthly in (("linux", base), ("win", base + WINDOWS_PER_VCPU * cpus)):
                spec = f"{family}.{size}.{os_name}"
                products[(RESOURCE_VM, spec)] = Product(
                    SERVICE_ECS,
                    RESOURCE_VM,
                    spec,
                    monthly,
                    f"{family.upper()} {cpus} vCPUs | {gib} GiB | {spec.rsplit('.', 1)[0]} | "
                    f"{'Linux' if os_name == 'linux' else 'Windows'}",
                    partner_discount=ECS_DISCOUNT,
                )
    disks = {
        "SATA": (Decimal("0.045"), "Common I/O"),
        "SAS": (Decimal("0.075"), "High I/O"),
        "GPSSD": (Decimal("0.110"), "General Purpose SSD"),
        "SSD": (Decimal("0.180"), "Ultra-high I/O"),
    }
    for spec, (monthly, name) in disks.items():
        products[(RESOURCE_VOLUME, spec)] = Product(
            SERVICE_EVS,
            RESOURCE_VOLUME,
            spec,
            monthly,
            f"EVS {name} ({spec})",
            size_measure_id=MEASURE_GB,
            min_size=10,
            max_size=32768,
            partner_discount=EVS_DISCOUNT,
        )
    bandwidths = {
        "19_bgp": (Decimal("12.00"), "Dedicated bandwidth, dynamic BGP, billed by bandwidth", False),
        "19_sbgp": (Decimal("9.00"), "Dedicated bandwidth, static BGP, billed by bandwidth", False),
        "19_share": (Decimal("10.00"), "Shared bandwidth, billed by bandwidth", False),
        "12_bgp": (Decimal("0.12"), "Dedicated bandwidth, dynamic BGP, billed by traffic", True),
        "12_sbgp": (Decimal("0.09"), "Dedicated bandwidth, static BGP, billed by traffic", True),
    }
    for spec, (monthly, name, by_traffic) in bandwidths.items():
        products[(RESOURCE_BANDWIDTH, spec)] = Product(
            SERVICE_VPC,
            RESOURCE_BANDWIDTH,
            spec,
            monthly,
            name,
            size_measure_id=MEASURE_MBPS,
            min_size=5 if spec == "19_share" else 1,
            max_size=2000,
            by_traffic=by_traffic,
        )
    for spec, monthly, name in (("5_bgp", Decimal("3.00"), "dynamic BGP"), ("5_sbgp", Decimal("2.50"), "static BGP")):
        products[(RESOURCE_IP, spec)] = Product(SERVICE_VPC, RESOURCE_IP, spec, monthly, f"Elastic IP, {name}")
    return products


PRODUCTS = _build_products()

# The partner discount (type 607) as it appears in ratings and as a pay_orders discount (type 3).
PARTNER_DISCOUNT_ID = "7d3a0c5e9f1b4e6a8c2d4f6a8b0c2e41"
PARTNER_DISCOUNT_NAME = "Partner discount (ECS 10% off, EVS 5% off)"
DISCOUNT_TYPE_RATING = 607
DISCOUNT_TYPE_PAY = 3  # "partner-granted" in pay_orders / list_order_discounts


class UnknownProduct(Exception):
    """The catalogue has no such product in that region (CBC.99006006)."""


def product(*, service_type_code: str | None, resource_type_code: str, spec: str, region: str) -> Product:
    if region not in REGIONS:
        raise UnknownProduct(f"region {region} is not sold")
    found = PRODUCTS.get((resource_type_code, spec))
    if found is None or (service_type_code and found.service_type_code != service_type_code):
        raise UnknownProduct(f"no product {resource_type_code} / {spec}")
    if spec.endswith(("_sbgp",)) and region not in SBGP_REGIONS:
        raise UnknownProduct(f"{spec} is only sold in {', '.join(sorted(SBGP_REGIONS))}")
    if spec.startswith("m7.") and region in M7_MISSING_REGIONS:
        raise UnknownProduct(f"the m7 family is not sold in {region}")
    return found


def product_id(prod: Product, region: str, *, on_demand: bool = False) -> str:
    """A stable product id per (region, specification, billing mode), shaped like Huawei's."""
    digest = hashlib.sha1(
        f"{region}|{prod.resource_type_code}|{prod.spec}|{on_demand}".encode(), usedforsecurity=False
    ).hexdigest()
    return f"OFFI{digest[:20].upper()}"


def _units(prod: Product, size: int | None) -> Decimal:
    return Decimal(size or 1) if prod.linear else Decimal(1)


def monthly_price(prod: Product, region: str, size: int | None) -> Decimal:
    """List price of one month of one instance, unrounded."""
    return prod.monthly * REGIONS[region][1] * _units(prod, size)


def period_price(prod: Product, *, region: str, size: int | None, period_type: int, period_num: int) -> Decimal:
    """Official price of `period_num` months (period_type 2) or years (3) of one instance, in cents."""
    months = period_num if period_type == 2 else period_num * MONTHS_PER_YEAR_PRICE
    return (monthly_price(prod, region, size) * months).quantize(CENT, ROUND_HALF_UP)


def hourly_price(prod: Product, *, region: str, size: int | None) -> Decimal:
    """Pay-per-use price of one hour (or, for traffic products, of one GB)."""
    if prod.by_traffic:
        return prod.monthly * REGIONS[region][1]
    return monthly_price(prod, region, size) / HOURS_PER_MONTH * PAY_PER_USE_MARKUP


def discounted(prod: Product, amount: Decimal) -> Decimal:
    """`amount` after the partner discount (unchanged for products without one)."""
    if prod.partner_discount is None:
        return amount
    return (amount * prod.partner_discount).quantize(CENT, ROUND_HALF_UP)


def service_name(code: str, language: str = "en_US") -> str:
    names = SERVICE_TYPES.get(code)
    if names is None:
        return code
    return names[1] if language == "zh_CN" else names[0]


def resource_type_name(code: str, language: str = "en_US") -> str:
    names = RESOURCE_TYPES.get(code)
    if names is None:
        return code
    return names[1] if language == "zh_CN" else names[0]


def spec_description(prod: Product, size: int | None) -> str:
    if prod.resource_type_code == RESOURCE_VOLUME:
        return f"{prod.description} | {size} GB"
    if prod.resource_type_code == RESOURCE_BANDWIDTH:
        return f"{prod.description} | {size} Mbit/s"
    return prod.description
