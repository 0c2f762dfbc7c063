"""Commerce catalogue and ratings (reference 5.3), called with the official SDK and the partner's AK/SK."""

from __future__ import annotations

from decimal import Decimal

import pytest
from huaweicloudsdkbssintl.v2 import (
    DemandProductInfo,
    ListConversionsRequest,
    ListMeasureUnitsRequest,
    ListOnDemandResourceRatingsRequest,
    ListRateOnPeriodDetailRequest,
    ListResourceTypesRequest,
    ListServiceResourcesRequest,
    ListServiceTypesRequest,
    ListUsageTypesRequest,
    PeriodProductInfo,
    RateOnDemandReq,
    RateOnPeriodReq,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

PROJECT_ID = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
ECS = {"cloud_service_type": "hws.service.type.ec2", "resource_type": "hws.resource.type.vm"}
EVS = {"cloud_service_type": "hws.service.type.ebs", "resource_type": "hws.resource.type.volume"}
VPC_BANDWIDTH = {"cloud_service_type": "hws.service.type.vpc", "resource_type": "hws.resource.type.bandwidth"}
EIP = {"cloud_service_type": "hws.service.type.vpc", "resource_type": "hws.resource.type.ip"}


def period_product(id, spec, kind=ECS, region="ap-southeast-1", period_type=2, period_num=1, **extra):
    return PeriodProductInfo(
        id=id,
        resource_spec=spec,
        region=region,
        period_type=period_type,
        period_num=period_num,
        subscription_num=extra.pop("subscription_num", 1),
        **kind,
        **extra,
    )


def rate_period(bss, *products):
    return bss.list_rate_on_period_detail(
        ListRateOnPeriodDetailRequest(body=RateOnPeriodReq(project_id=PROJECT_ID, product_infos=list(products)))
    )


def rate_on_demand(bss, *products, precision=None):
    return bss.list_on_demand_resource_ratings(
        ListOnDemandResourceRatingsRequest(
            body=RateOnDemandReq(project_id=PROJECT_ID, inquiry_precision=precision, product_infos=list(products))
        )
    )


def demand_product(id, spec, kind=ECS, factor="Duration", value=1, measure=4, **extra):
    return DemandProductInfo(
        id=id,
        resource_spec=spec,
        region=extra.pop("region", "ap-southeast-1"),
        usage_factor=factor,
        usage_value=Decimal(value),
        usage_measure_id=measure,
        subscription_num=extra.pop("subscription_num", 1),
        **kind,
        **extra,
    )


def assert_rejected(exc_info, status, code):
    assert (exc_info.value.status_code, exc_info.value.error_code) == (status, code)


# --- catalogue -------------------------------------------------------------------------------------


def test_service_types_in_english_and_filtered(bss):
    response = bss.list_service_types(ListServiceTypesRequest(x_language="en_US", limit=100))
    codes = {s.service_type_code for s in response.service_types}
    assert {"hws.service.type.ec2", "hws.service.type.ebs", "hws.service.type.vpc"} <= codes
    assert response.total_count == len(response.service_types)

    filtered = bss.list_service_types(ListServiceTypesRequest(x_language="en_US", service_type_name="volume"))
    assert [(s.service_type_code, s.abbreviation) for s in filtered.service_types] == [("hws.service.type.ebs", "EVS")]


def test_service_types_default_to_chinese_names_and_page(bss):
    response = bss.list_service_types(ListServiceTypesRequest(offset=0, limit=2))
    assert len(response.service_types) == 2
    assert response.total_count > 2
    assert response.service_types[0].service_type_name == "弹性云服务器"


def test_resource_types_usage_types_and_service_resources(bss):
    resource_types = bss.list_resource_types(ListResourceTypesRequest(x_language="en_US", limit=100))
    by_code = {r.resource_type_code: r for r in resource_types.resource_types}
    assert by_code["hws.resource.type.vm"].service_type_code == "hws.service.type.ec2"
    assert by_code["hws.resource.type.ip"].resource_type_name == "Elastic IP"

    usage = bss.list_usage_types(
        ListUsageTypesRequest(x_language="en_US", resource_type_code="hws.resource.type.bandwidth")
    )
    assert sorted(u.code for u in usage.usage_types) == ["Duration", "upflow"]
    assert usage.usage_types[0].service_type_code == "hws.service.type.vpc"

    resources = bss.list_service_resources(ListServiceResourcesRequest(service_type_code="hws.service.type.vpc"))
    assert {i.basic_info.resource_type_code for i in resources.infos} == {
        "hws.resource.type.bandwidth",
        "hws.resource.type.ip",
    }


def test_measure_units_and_conversions(bss):
    units = {u.measure_id: u for u in bss.list_measure_units(ListMeasureUnitsRequest(x_language="en_US")).measure_units}
    assert (units[4].measure_name, units[4].measure_type) == ("Hour", 2)
    assert (units[17].abbreviation, units[15].abbreviation) == ("GB", "Mbps")

    conversions = bss.list_conversions(ListConversionsRequest(measure_type=2)).conversions
    assert {(c.measure_id, c.ref_measure_id, c.conversion_ratio) for c in conversions} >= {(5, 4, 24)}
    assert all(c.measure_type == 2 for c in conversions)


def test_catalogue_limit_above_100_is_cbc_0100(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        bss.list_resource_types(ListResourceTypesRequest(limit=101))
    assert_rejected(exc_info, 400, "CBC.0100")


# --- yearly/monthly rating -------------------------------------------------------------------------


def test_period_rating_official_and_partner_discount(bss):
    response = rate_period(
        bss,
        period_product("vm", "s6.large.2.linux"),
        period_product(
            "disk", "SAS", kind=EVS, resource_size=40, size_measure_id=17, period_type=3, subscription_num=2
        ),
        period_product("bw", "19_bgp", kind=VPC_BANDWIDTH, resource_size=5, size_measure_id=15),
    )
    official = response.official_website_rating_result
    per_product = {p.id: p for p in official.product_rating_results}
    # Hong Kong (factor 1.00): s6.large.2 = 2 x 7.50 + 4 x 2.80; SAS 0.075/GB x 40 GB x 10 months x 2; 12.00 x 5 Mbps.
    assert per_product["vm"].official_website_amount == Decimal("26.2")
    assert per_product["disk"].official_website_amount == Decimal("60")
    assert per_product["bw"].official_website_amount == Decimal("60")
    assert official.official_website_amount == Decimal("146.2")
    assert per_product["vm"].product_id.startswith("OFFI")
    assert response.currency == "USD"

    (offer,) = response.optional_discount_rating_results
    assert (offer.discount_type, offer.best_offer) == (607, 1)
    discounted = {p.id: p for p in offer.product_rating_results}
    assert discounted["vm"].amount == Decimal("23.58")  # ECS 10 % off
    assert discounted["disk"].amount == Decimal("57")  # EVS 5 % off
    assert discounted["bw"].discount_amount == Decimal("0")  # bandwidth has no partner discount
    assert offer.amount + offer.discount_amount == offer.official_website_amount


def test_period_rating_yearly_is_ten_months_and_regions_differ(bss):
    response = rate_period(
        bss,
        period_product("hk-month", "c7.large.2.linux"),
        period_product("hk-year", "c7.large.2.linux", period_type=3),
        period_product("sg-month", "c7.large.2.linux", region="ap-southeast-3"),
        period_product("bkk-month", "c7.large.2.linux", region="ap-southeast-2"),
    )
    amounts = {p.id: p.official_website_amount for p in response.official_website_rating_result.product_rating_results}
    assert amounts["hk-year"] == amounts["hk-month"] * 10
    assert amounts["bkk-month"] < amounts["hk-month"] < amounts["sg-month"]


@pytest.mark.parametrize(
    "product",
    [
        period_product("x", "s9.huge.1.linux"),  # no such flavour
        period_product("x", "s6.large.2.linux", region="mars-north-1"),  # no such region
        period_product("x", "m7.large.8.linux", region="af-south-1"),  # m7 not sold in Johannesburg
        period_product("x", "5_sbgp", kind=EIP, region="ap-southeast-3"),  # static BGP only in Hong Kong
        period_product("x", "12_bgp", kind=VPC_BANDWIDTH, resource_size=5, size_measure_id=15),  # pay-per-use only
    ],
)
def test_period_rating_unknown_product_is_cbc_99006006(bss, product):
    with pytest.raises(ClientRequestException) as exc_info:
        rate_period(bss, product)
    assert_rejected(exc_info, 400, "CBC.99006006")
    assert "product_infos id x" in exc_info.value.error_msg


@pytest.mark.parametrize(
    "product",
    [
        period_product("x", "SAS", kind=EVS),  # a disk needs resource_size + size_measure_id
        period_product("x", "s6.large.2.linux", period_type=2, period_num=12),  # months are 1-11
        period_product("x", "s6.large.2.linux", period_type=3, period_num=4),  # years are 1-3
    ],
)
def test_period_rating_invalid_product_is_cbc_0100(bss, product):
    with pytest.raises(ClientRequestException) as exc_info:
        rate_period(bss, product)
    assert_rejected(exc_info, 400, "CBC.0100")


def test_period_rating_without_project_id_is_cbc_0100(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        bss.list_rate_on_period_detail(
            ListRateOnPeriodDetailRequest(body=RateOnPeriodReq(product_infos=[period_product("x", "s6.large.2.linux")]))
        )
    assert_rejected(exc_info, 400, "CBC.0100")


# --- pay-per-use rating ----------------------------------------------------------------------------


def test_on_demand_rating_hourly_with_discount_and_traffic(bss):
    response = rate_on_demand(
        bss,
        demand_product("vm", "s6.large.2.linux", value=10),
        demand_product(
            "traffic",
            "12_bgp",
            kind=VPC_BANDWIDTH,
            factor="upflow",
            value=100,
            measure=10,
            resource_size=5,
            size_measure_id=15,
        ),
    )
    results = {r.id: r for r in response.product_rating_results}
    # 26.20 a month / 720 h x 1.4 pay-per-use markup x 10 h.
    assert results["vm"].official_website_amount == Decimal("0.509444")
    assert results["vm"].amount == Decimal("0.4585")
    assert results["vm"].discount_rating_results[0].discount_type == 607
    assert results["traffic"].amount == Decimal("12")  # 0.12 a GB
    assert results["traffic"].discount_rating_results == []
    assert response.amount == results["vm"].amount + results["traffic"].amount
    assert response.official_website_amount - response.discount_amount == response.amount
    assert (response.measure_id, response.currency) == (1, "USD")


def test_on_demand_rating_by_the_day_and_ten_decimals(bss):
    hour = rate_on_demand(bss, demand_product("vm", "s6.small.1.linux", value=24), precision=1)
    day = rate_on_demand(bss, demand_product("vm", "s6.small.1.linux", value=1, measure=5), precision=1)
    assert hour.official_website_amount == day.official_website_amount
    assert hour.official_website_amount.as_tuple().exponent <= -7  # more than 6 decimals kept


def test_on_demand_rating_errors(bss):
    with pytest.raises(ClientRequestException) as exc_info:
        rate_on_demand(bss, demand_product("vm", "s6.large.2.linux", factor="upflow", measure=10))
    assert_rejected(exc_info, 400, "CBC.99006074")  # no such usage factor for a VM
    with pytest.raises(ClientRequestException) as exc_info:
        rate_on_demand(bss, demand_product("vm", "s6.large.2.linux", measure=17))
    assert_rejected(exc_info, 400, "CBC.99006050")  # GB is no duration
    with pytest.raises(ClientRequestException) as exc_info:
        rate_on_demand(bss, demand_product("vm", "nope.linux"))
    assert_rejected(exc_info, 400, "CBC.99006006")
