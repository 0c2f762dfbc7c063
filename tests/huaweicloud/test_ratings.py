"""Price inquiries: request building, parsing to Decimal dataclasses, partner vs customer, errors."""

import dataclasses
from decimal import Decimal

import pytest
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud import ratings
from huaweicloud.errors import CloudRejected, CloudUnavailable
from huaweicloud.ratings import OnDemandProduct, PeriodProduct
from tests.huaweicloud import gateway_fakes
from tests.huaweicloud.gateway_fakes import ALICE, rejected, server_error

fakes = gateway_fakes.fakes
fresh_tokens = gateway_fakes.fresh_tokens

VM = PeriodProduct(
    id="1",
    cloud_service_type="hws.service.type.ec2",
    resource_type="hws.resource.type.vm",
    resource_spec="s6.small.1.linux",
    region="ap-southeast-1",
    period_type=2,
    period_num=1,
)
DISK = dataclasses.replace(
    VM,
    id="2",
    cloud_service_type="hws.service.type.ebs",
    resource_type="hws.resource.type.volume",
    resource_spec="SAS",
    resource_size=40,
    size_measure_id=17,
)


def period_answer(*, with_offer=True):
    offers = []
    if with_offer:
        offers.append(
            m.OptionalDiscountRatingResult(
                discount_id="d-1",
                amount=Decimal("18.00"),
                official_website_amount=Decimal("20.00"),
                discount_amount=Decimal("2.00"),
                measure_id=1,
                discount_type=607,
                discount_name="Partner",
                best_offer=1,
                product_rating_results=[
                    m.PeriodProductRatingResult(
                        id="1",
                        product_id="p1",
                        amount=Decimal("14.40"),
                        official_website_amount=Decimal("16.00"),
                        discount_amount=Decimal("1.60"),
                    ),
                    m.PeriodProductRatingResult(
                        id="2",
                        product_id="p2",
                        amount=Decimal("3.60"),
                        official_website_amount=Decimal("4.00"),
                        discount_amount=Decimal("0.40"),
                    ),
                ],
            )
        )
    return m.ListRateOnPeriodDetailResponse(
        official_website_rating_result=m.OfficialWebsiteRatingResult(
            official_website_amount=Decimal("20.00"),
            measure_id=1,
            product_rating_results=[
                m.PeriodProductOfficialRatingResult(id="1", product_id="p1", official_website_amount=Decimal("16.00")),
                m.PeriodProductOfficialRatingResult(id="2", product_id="p2", official_website_amount=4),
            ],
        ),
        optional_discount_rating_results=offers,
        currency="USD",
    )


def test_rate_period_as_the_customer_uses_their_project_and_best_offer(fakes):
    client = fakes.customer(ALICE)
    client.list_rate_on_period_detail.return_value = period_answer()

    rating = ratings.rate_period(products=[VM, DISK], customer=ALICE)

    (request,), _ = client.list_rate_on_period_detail.call_args
    assert request.body.project_id == "project-of-alice-co-ap-southeast-1"
    assert [p.resource_size for p in request.body.product_infos] == [None, 40]
    assert (rating.official_amount, rating.discount_amount, rating.amount) == (
        Decimal("20.00"),
        Decimal("2.00"),
        Decimal("18.00"),
    )
    assert rating.best_offer.discount_type == 607
    assert [(p.id, p.amount) for p in rating.products] == [("1", Decimal("14.40")), ("2", Decimal("3.60"))]
    fakes.partner_bss.list_rate_on_period_detail.assert_not_called()


def test_rate_period_for_a_visitor_uses_the_partner(fakes, settings):
    fakes.partner_bss.list_rate_on_period_detail.return_value = period_answer(with_offer=False)

    rating = ratings.rate_period(products=[VM])

    (request,), _ = fakes.partner_bss.list_rate_on_period_detail.call_args
    assert request.body.project_id == "partner-project-ap-southeast-1"
    assert rating.amount == rating.official_amount == Decimal("20.00")
    assert rating.discount_amount == Decimal("0")
    assert rating.best_offer is None
    assert [p.amount for p in rating.products] == [Decimal("16.00"), Decimal("4")]

    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "RATING_PROJECT_ID": "configured"}
    ratings.rate_period(products=[VM])
    assert fakes.partner_bss.list_rate_on_period_detail.call_args.args[0].body.project_id == "configured"


def test_rate_period_checks_its_input(fakes):
    with pytest.raises(ValueError):
        ratings.rate_period(products=[])
    with pytest.raises(ValueError):
        ratings.rate_period(products=[VM, dataclasses.replace(DISK, region="eu-west-101")])
    with pytest.raises(ValueError):
        ratings.rate_period(products=[VM, dataclasses.replace(DISK, id="1")])
    with pytest.raises(ValueError):
        ratings.rate_period(products=[dataclasses.replace(VM, period_type=4)])


def test_rate_on_demand(fakes):
    fakes.partner_bss.list_on_demand_resource_ratings.return_value = m.ListOnDemandResourceRatingsResponse(
        amount=Decimal("0.0504"),
        discount_amount=Decimal("0.0056"),
        official_website_amount=0.056,
        currency="USD",
        product_rating_results=[
            m.DemandProductRatingResult(
                id="1",
                product_id="od1",
                amount=Decimal("0.0504"),
                discount_amount=Decimal("0.0056"),
                official_website_amount=Decimal("0.056"),
            )
        ],
    )
    product = OnDemandProduct(
        id="1",
        cloud_service_type="hws.service.type.ec2",
        resource_type="hws.resource.type.vm",
        resource_spec="s6.small.1.linux",
        region="ap-southeast-1",
    )

    rating = ratings.rate_on_demand(products=[product], precise=True)

    (request,), _ = fakes.partner_bss.list_on_demand_resource_ratings.call_args
    assert request.body.inquiry_precision == 1
    assert request.body.product_infos[0].usage_factor == "Duration"
    assert rating.official_amount == Decimal("0.056")  # a JSON float read exactly
    assert rating.amount == Decimal("0.0504")
    assert rating.products[0].product_id == "od1"


def test_rate_renewal_returns_failures_as_data(fakes):
    client = fakes.customer(ALICE)
    client.list_renew_rate_on_period.return_value = m.ListRenewRateOnPeriodResponse(
        currency="USD",
        renew_inquiry_results=[m.RenewInquiryResultInfo(resource_id="vm-1", amount="16.00")],
        official_website_rating_result=m.OfficialWebsiteRatingResultV2(official_website_amount="16.00"),
        optional_discount_rating_results=[
            m.OptionalDiscountRatingResultV2(
                discount_id="d",
                amount="14.40",
                official_website_amount="16.00",
                discount_amount="1.60",
                discount_type=607,
                best_offer=1,
            )
        ],
        fail_resource_infos=[m.FailResourceInfo(resource_id="disk-1", error_code="CBC.30050007", error_msg="not main")],
    )

    quote = ratings.rate_renewal(customer=ALICE, resource_ids=["vm-1", "disk-1"], period_type=2, period_num=3)

    assert quote.amount == Decimal("14.40")
    assert quote.resources == (("vm-1", Decimal("16.00")),)
    assert quote.failures == (ratings.ResourceFailure("disk-1", "CBC.30050007", "not main"),)
    with pytest.raises(ValueError):
        ratings.rate_renewal(customer=ALICE, resource_ids=["vm-1"], period_type=2, period_num=12)


def test_errors_map_to_the_two_families(fakes):
    fakes.partner_bss.list_rate_on_period_detail.side_effect = rejected(
        code="CBC.99006006", message="Product not found"
    )
    with pytest.raises(CloudRejected) as raised:
        ratings.rate_period(products=[VM])
    assert raised.value.error_code == "CBC.99006006"

    fakes.partner_bss.list_rate_on_period_detail.side_effect = server_error()
    with pytest.raises(CloudUnavailable):
        ratings.rate_period(products=[VM])


def test_an_answer_without_the_official_price_is_malformed(fakes):
    fakes.partner_bss.list_rate_on_period_detail.return_value = m.ListRateOnPeriodDetailResponse(currency="USD")
    with pytest.raises(CloudUnavailable) as raised:
        ratings.rate_period(products=[VM])
    assert raised.value.error_code == "LOCAL.MALFORMED"


# --- against the sandbox ----------------------------------------------------------------------------------


@pytest.fixture
def partner_project(settings):
    # The sandbox accepts any project id from the partner; real HUAWEI CLOUD wants the partner's own.
    settings.HUAWEICLOUD = {**settings.HUAWEICLOUD, "RATING_PROJECT_ID": "0" * 32}


def test_visitor_price_of_a_server_and_its_disk(sandbox, partner_project):
    rating = ratings.rate_period(products=[VM, DISK])

    assert rating.currency == "USD"
    assert rating.best_offer is not None and rating.best_offer.best_offer
    assert rating.amount == rating.official_amount - rating.discount_amount
    assert Decimal("0") < rating.amount < rating.official_amount
    assert [p.id for p in rating.products] == ["1", "2"]
    assert sum(p.amount for p in rating.products) == rating.amount
    assert all(isinstance(p.amount, Decimal) for p in rating.products)


def test_visitor_price_per_hour(sandbox, partner_project):
    product = OnDemandProduct(
        id="vm",
        cloud_service_type="hws.service.type.ec2",
        resource_type="hws.resource.type.vm",
        resource_spec="s6.small.1.linux",
        region="ap-southeast-1",
    )

    rating = ratings.rate_on_demand(products=[product])

    assert Decimal("0") < rating.amount <= rating.official_amount
    assert rating.products[0].id == "vm"


def test_price_of_a_product_not_for_sale_is_rejected(sandbox, partner_project):
    traffic = dataclasses.replace(
        VM,
        cloud_service_type="hws.service.type.vpc",
        resource_type="hws.resource.type.bandwidth",
        resource_spec="12_bgp",
        resource_size=5,
        size_measure_id=15,
    )
    with pytest.raises(CloudRejected) as raised:
        ratings.rate_period(products=[traffic])
    assert raised.value.error_code == "CBC.99006006"


def test_visitor_price_without_a_configured_project_asks_iam_for_the_partners(sandbox):
    rating = ratings.rate_period(products=[VM])

    assert rating.amount > 0
    assert len(sandbox.requests("keystone_create_user_token_by_password")) == 1


def test_customer_price_uses_the_customers_project(sandbox):
    from huaweicloud.types import CustomerRef

    demo = CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])

    rating = ratings.rate_period(products=[VM, DISK], customer=demo)

    assert rating.amount < rating.official_amount
    assert len(sandbox.requests("keystone_create_agency_token")) == 1
    (rated,) = sandbox.requests("list_rate_on_period_detail")
    assert rated["access_key"] == ""  # a token, not the partner's keys
