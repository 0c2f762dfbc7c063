"""Every operation the sandbox registers, through the official SDK (issue #3): one call that succeeds and
returns a model whose key fields are filled, and one invalid call refused with the documented code.

`CASES` holds one entry per operation name; `test_every_registered_operation_has_a_case` fails when an
operation is added to `sandbox.registry.REGISTRY` without one. IAM has no SDK installed here
(`huaweicloudsdkiam` is not a dependency): its four operations are called over plain HTTP, as the
platform's gateway does (`huaweicloud/identity.py`), and refused in IAM's Keystone shape (the code is
the HTTP status, the title names it).

Besides the assertions of each case, every JSON answer is checked against the SDK's response model:
a field the model does not know is silently dropped by the SDK, so the sandbox must not send one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property

import pytest
import requests
from dateutil.relativedelta import relativedelta
from huaweicloudsdkbssintl.v2 import (
    AutoRenewalResourcesReq,
    AutoRenewalResourcesRequest,
    CancelAutoRenewalResourcesRequest,
    CancelCustomerOrderReq,
    CancelCustomerOrderRequest,
    CustomerInformation,
    ListConversionsRequest,
    ListCustomerOnDemandResourcesRequest,
    ListCustomerOrdersRequest,
    ListCustomerselfResourceRecordDetailsRequest,
    ListCustomerselfResourceRecordsRequest,
    ListIndirectPartnersRequest,
    ListMeasureUnitsRequest,
    ListOrderDiscountsRequest,
    ListRenewRateOnPeriodReq,
    ListRenewRateOnPeriodRequest,
    ListResourceTypesRequest,
    ListServiceResourcesRequest,
    ListServiceTypesRequest,
    ListSubCustomerCouponsRequest,
    ListSubCustomersResponse,
    ListUsageTypesRequest,
    QueryCustomerOnDemandResourcesReq,
    QueryIndirectPartnersReq,
    QueryResRecordsDetailReq,
    ShowCustomerAccountBalancesRequest,
    ShowCustomerMonthlySumRequest,
    ShowRefundOrderDetailsRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkosm.v2 import (
    CreateCaseLabelsRequest,
    CreateScoresRequest,
    CreateScoreV2Req,
    DeleteAccessoriesRequest,
    DeleteCaseLabelsRequest,
    DownloadAccessoriesRequest,
    DownloadImagesRequest,
    IncidentSatisfactionV2Do,
    ListAccessoryAccessUrlsRequest,
    ListAreaCodesRequest,
    ListCaseCategoriesRequest,
    ListCaseCountsRequest,
    ListCaseLabelsRequest,
    ListCaseLimitsRequest,
    ListCaseOperateLogsRequest,
    ListCaseQuotasRequest,
    ListCasesRequest,
    ListCaseTemplatesRequest,
    ListCustomersRegionsRequest,
    ListHasVerifiedContactsRequest,
    ListLabelsRequest,
    ListMessagesRequest,
    ListProblemTypesRequest,
    ListProductCategoriesRequest,
    ListRegionsRequest,
    ListSatisfactionDimensionsRequest,
    ListSeveritiesRequest,
    ShowAccessoryLimitsRequest,
    ShowCaseDetailRequest,
    ShowDownloadAccessoryUrlRequest,
)

from sandbox.bills import generator
from tests.sandbox import test_bills as bills
from tests.sandbox import test_budgets as budgets
from tests.sandbox import test_commerce_life as life
from tests.sandbox import test_operations as registration
from tests.sandbox import test_realname as realname
from tests.sandbox import test_tickets_life as tickets
from tests.sandbox.conftest import build_bss
from tests.sandbox.test_commerce_catalogue import demand_product, period_product, rate_on_demand, rate_period
from tests.sandbox.test_iam import assume_role_body, password_body
from tests.sandbox_server import DEMO_CUSTOMER, DEMO_PARTNER
from tests.sandbox_tickets_helpers import CUSTOMER_TICKETS, PARTNER_TICKETS, SITE, build_osm

DEMO_ID = DEMO_CUSTOMER["customer_id"]
ACME_ID = budgets.ACME_ID
GREENLEAF_ID = budgets.GREENLEAF_ID  # frozen in the demo world
UNKNOWN_ID = budgets.UNKNOWN_ID
MARIA_ID = realname.MARIA  # never applied for real-name authentication
SUNRISE_ID = realname.SUNRISE  # rejected
BLUE_HARBOUR_ID = realname.BLUE_HARBOUR  # enterprise application under review
ORDER_COMPLETED = "CS2501010001DEMO1"
ORDER_PENDING = life.ORDER_PENDING
ORDER_UNSUBSCRIPTION = "CS2501010008DEMO8"
RESOURCE_FAR_EXPIRY = life.RESOURCE_FAR_EXPIRY
RESOURCE_AUTO_RENEW = life.RESOURCE_AUTO_RENEW
MESSAGES_LOG = "a3c9e0f1b2d34e5f8a6b7c8d9e0f1a2b"  # demo-customer's attachment
CHINA_SITE = {**SITE, "x_site": 0}
HEX32 = re.compile(r"^[0-9a-f]{32}$")
CLOSED_CYCLE = generator.latest_closed_cycle(datetime.now(UTC))


class World:
    """The sandbox, the partner's SDK clients and, made when first asked for, customers' clients."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.bss = build_bss(sandbox.url)
        self.osm = build_osm(sandbox.url)

    @cached_property
    def demo(self):
        return self.sandbox.customer_client("demo-customer")

    @cached_property
    def demo_osm(self):
        return self.sandbox.customer_client("demo-customer", service="osm")

    @cached_property
    def acme(self):
        return self.sandbox.customer_client("acme-retail")

    def customer(self, customer_id: str) -> dict:
        return self.sandbox.customer(customer_id)

    def advance_clock(self, **duration) -> None:
        """Move the sandbox clock; customers' tokens (24 hours) are fetched again when next needed."""
        self.sandbox.advance_clock(**duration)
        for client in ("demo", "demo_osm", "acme"):
            self.__dict__.pop(client, None)


@dataclass(frozen=True)
class Case:
    succeed: Callable[[World], object]  # calls the operation, asserts its key fields, returns the answer
    refuse: Callable[[World], object]  # an invalid call of the operation
    status: int
    code: str


CASES: dict[str, Case] = {}


def case(name: str, *, refuse: Callable[[World], object], status: int, code: str):
    """Register the decorated success call of `name` with its invalid call and the documented answer."""

    def register(succeed):
        assert name not in CASES, f"two cases for {name}"
        CASES[name] = Case(succeed=succeed, refuse=refuse, status=status, code=code)
        return succeed

    return register


def money(value) -> Decimal:
    return Decimal(str(value))


def unknown_fields(model, raw, where: str = "") -> list[str]:
    """Keys of the raw answer that the SDK model (and its nested models) has no attribute for."""
    if not hasattr(model, "attribute_map") or not isinstance(raw, dict):
        return []
    keys = model.attribute_map
    found = [f"{where}{key}" for key in raw if key not in keys.values()]
    for attribute, key in keys.items():
        value, sub = getattr(model, attribute), raw.get(key)
        if isinstance(value, list) and isinstance(sub, list):
            for index, (item, sub_item) in enumerate(zip(value, sub, strict=False)):
                found += unknown_fields(item, sub_item, f"{where}{key}[{index}].")
        else:
            found += unknown_fields(value, sub, f"{where}{key}.")
    return found


def assert_the_sdk_model_holds_the_answer(response) -> None:
    raw = getattr(response, "raw_content", None)
    if not raw:
        return  # an empty body (200 with nothing), a file download, or IAM over plain HTTP
    assert unknown_fields(response, response.to_json_object()) == []


def refusal(call: Callable[[], object]) -> tuple[int, str]:
    """(HTTP status, error code) of a refused call: the SDK's exception, or IAM's Keystone-shaped body."""
    try:
        result = call()
    except ClientRequestException as exc:
        assert exc.request_id, "X-Request-Id reaches the SDK exception"
        return exc.status_code, exc.error_code
    if isinstance(result, requests.Response) and result.status_code >= 400:
        error = result.json()["error"]
        assert error["code"] == result.status_code
        return result.status_code, error["title"]
    pytest.fail(f"the invalid call was answered: {result}")


# --- registration (reference 3) ---------------------------------------------------------------------


@case(
    "check_user_identity",
    refuse=lambda w: registration.check(w.bss, "name", "op_reserved"),
    status=400,
    code="CBC.0100",
)
def check_user_identity(w):
    assert registration.check(w.bss, "name", DEMO_CUSTOMER["account_name"]).check_result == "used_by_user"
    response = registration.check(w.bss, "mobile", "0065-81234567")
    assert (response.check_result, response.mobile_remain_available_num) == ("available", 4)
    return response


@case(
    "send_verification_message_code",
    refuse=lambda w: registration.send_code(w.bss, "someone@example.com", timeout=0),
    status=400,
    code="CBC.0100",
)
def send_verification_message_code(w):
    response = registration.send_code(w.bss, "new-person@example.com", lang="en-us")
    assert response.status_code == 200
    (message,) = w.sandbox.outbox(to="new-person@example.com", kind="verification_code")
    assert re.fullmatch(r"\d{6}", message["code"])
    return response


@case(
    "create_sub_customer",
    refuse=lambda w: registration.create(w.bss, xaccount_id=DEMO_CUSTOMER["xaccount_id"]),
    status=400,
    code="CBC.99000050",
)
def create_sub_customer(w):
    registration.send_code(w.bss, "lin@example.com")
    response = registration.create(
        w.bss,
        domain_name="lin-trading",
        email="lin@example.com",
        verification_code=w.sandbox.verification_code("lin@example.com"),
        xaccount_id="pp-lin",
    )
    assert HEX32.match(response.domain_id)
    assert response.domain_name == "lin-trading"
    (info,) = registration.query(w.bss, customer_id=response.domain_id).customer_infos
    assert (info.account_name, info.xaccount_id, info.association_type) == ("lin-trading", "pp-lin", "3")
    return response


@case("list_sub_customers", refuse=lambda w: registration.query(w.bss, limit=101), status=400, code="CBC.0100")
def list_sub_customers(w):
    response = registration.query(w.bss, account_name="demo-cust")
    (info,) = response.customer_infos
    assert response.count == 1
    assert (info.customer_id, info.xaccount_id, info.xaccount_type) == (
        DEMO_ID,
        "pp-demo-customer",
        DEMO_PARTNER["xaccount_type"],
    )
    assert (info.verified_status, info.customer_type, info.is_frozen) == ("2", 0, 0)
    assert info.associated_on.endswith("Z") and info.email == DEMO_CUSTOMER["email"]
    return response


# --- budgets, freezing, coupons, balances (reference 5.2, 5.5) ------------------------------------------


@case("show_sub_customer_budget", refuse=lambda w: budgets.show(w.bss, UNKNOWN_ID), status=400, code="CBC.99000035")
def show_sub_customer_budget(w):
    response = budgets.show(w.bss)
    assert (money(response.budget_amount), money(response.used_amount)) == (Decimal("1000.00"), Decimal("123.45"))
    assert (response.measure_id, response.currency, response.budget_type) == (1, "USD", "MONTHLY")
    return response


@case(
    "update_sub_customer_budget",
    refuse=lambda w: budgets.update(w.bss, budget_amount=Decimal("10.001")),
    status=400,
    code="CBC.0100",
)
def update_sub_customer_budget(w):
    response = budgets.update(w.bss, budget_amount=Decimal("1500.50"), budget_type="PACKAGE")
    shown = budgets.show(w.bss)
    assert (money(shown.budget_amount), shown.budget_type) == (Decimal("1500.50"), "PACKAGE")
    return response


@case(
    "list_sub_customer_budget",
    refuse=lambda w: budgets.batch(w.bss, [f"{i:032x}" for i in range(101)]),
    status=400,
    code="CBC.0100",
)
def list_sub_customer_budget(w):
    response = budgets.batch(w.bss, [ACME_ID, UNKNOWN_ID, DEMO_ID])
    assert [(i.customer_id, money(i.budget_amount), money(i.used_amount)) for i in response.budget_infos] == [
        (ACME_ID, Decimal("5000.00"), Decimal("4210.80")),
        (DEMO_ID, Decimal("1000.00"), Decimal("123.45")),
    ]
    assert (response.measure_id, response.currency) == (1, "USD")
    return response


@case(
    "list_sub_customer_budget_records",
    refuse=lambda w: budgets.records(w.bss, UNKNOWN_ID),
    status=400,
    code="CBC.99000035",
)
def list_sub_customer_budget_records(w):
    response = budgets.records(w.bss)
    assert response.total_count == 2
    newest = response.record_list[0]
    assert (newest.operation_type, newest.operator, newest.partner_account_name) == (
        "SETTING",
        DEMO_PARTNER["iam_user"],
        DEMO_PARTNER["domain_name"],
    )
    assert newest.operation_time.endswith("Z") and money(newest.budget_amount) > 0
    return response


@case(
    "freeze_sub_customers",
    refuse=lambda w: w.bss.freeze_sub_customers(
        budgets.FreezeSubCustomersRequest(body=budgets.FreezeSubCustomersReq(customer_ids=[ACME_ID]))
    ),
    status=400,
    code="CBC.0100",
)
def freeze_sub_customers(w):
    response = budgets.freeze(w.bss, [ACME_ID, GREENLEAF_ID])
    assert [(e.id, e.error_code) for e in response.error_details] == [(GREENLEAF_ID, "CBC.99000041")]
    assert w.customer(ACME_ID)["is_frozen"] == 1
    return response


@case(
    "unfreeze_sub_customers",
    refuse=lambda w: w.bss.unfreeze_sub_customers(
        budgets.UnfreezeSubCustomersRequest(body=budgets.UnfreezeSubCustomersReq(customer_ids=[], reason="paid"))
    ),
    status=400,
    code="CBC.0100",
)
def unfreeze_sub_customers(w):
    response = budgets.freeze(w.bss, [GREENLEAF_ID], unfreeze=True)
    assert response.error_details is None
    assert w.customer(GREENLEAF_ID)["is_frozen"] == 0
    return response


@case(
    "list_sub_customer_coupons",
    refuse=lambda w: w.demo.list_sub_customer_coupons(ListSubCustomerCouponsRequest(status=9)),
    status=400,
    code="CBC.0100",
)
def list_sub_customer_coupons(w):
    response = w.demo.list_sub_customer_coupons(ListSubCustomerCouponsRequest(status=2))
    (coupon,) = response.user_coupons
    assert (response.count, coupon.coupon_id, coupon.customer_id) == (1, "CP2501010001DEMO", DEMO_ID)
    assert (money(coupon.face_value), coupon.currency, coupon.coupon_type) == (Decimal("50"), "USD", 1)
    assert coupon.valid_time.endswith("Z") and coupon.expire_time.endswith("Z")
    return response


@case(
    "show_customer_account_balances",
    refuse=lambda w: w.bss.show_customer_account_balances(ShowCustomerAccountBalancesRequest()),
    status=403,
    code="CBC.0151",
)
def show_customer_account_balances(w):
    response = w.demo.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    amounts = {b.account_type: money(b.amount) for b in response.account_balances}
    assert amounts == {1: Decimal("25.00"), 2: Decimal("876.55")}
    assert (response.currency, money(response.debt_amount)) == ("USD", Decimal("0"))
    return response


def indirect_partners(client, **body):
    return client.list_indirect_partners(ListIndirectPartnersRequest(body=QueryIndirectPartnersReq(**body)))


@case("list_indirect_partners", refuse=lambda w: indirect_partners(w.bss, limit=101), status=400, code="CBC.0100")
def list_indirect_partners(w):
    response = indirect_partners(w.bss, limit=10)
    assert (response.count, response.indirect_partners) == (0, [])
    return response


# --- real-name authentication (reference 4) -----------------------------------------------------------


@case(
    "create_personal_realname_auth",
    refuse=lambda w: realname.individual(w.bss, identify_type=4),
    status=400,
    code="CBC.0100",
)
def create_personal_realname_auth(w):
    response = realname.individual(w.bss)
    assert response.is_review == 1
    assert realname.review(w.bss, MARIA_ID).review_result == 0
    return response


@case(
    "create_enterprise_realname_authentication",
    refuse=lambda w: realname.enterprise(w.bss, BLUE_HARBOUR_ID),
    status=400,
    code="CBC.99007188",
)
def create_enterprise_realname_authentication(w):
    response = realname.enterprise(w.bss, corp_name="Lopez Trading auto-approve S.A.")
    assert response.is_review == 0  # approved at once
    info = realname.customer_info(w.bss, MARIA_ID)
    assert (info.verified_status, info.customer_type) == ("2", 1)
    return response


@case(
    "change_enterprise_realname_authentication",
    refuse=lambda w: realname.change(w.bss, ACME_ID),
    status=400,
    code="CBC.99007300",
)
def change_enterprise_realname_authentication(w):
    response = realname.change(w.bss)
    assert response.is_review == 1
    assert [a["kind"] for a in w.sandbox.realname_pending() if a["customer_id"] == DEMO_ID] == ["change"]
    return response


@case(
    "show_realname_authentication_review_result",
    refuse=lambda w: realname.review(w.demo, DEMO_ID),
    status=403,
    code="CBC.0151",
)
def show_realname_authentication_review_result(w):
    response = realname.review(w.bss, SUNRISE_ID)
    assert response.review_result == 1
    assert "blurred" in response.opinion
    return response


# --- catalogue and ratings (reference 5.3) ------------------------------------------------------------


@case(
    "list_service_types",
    refuse=lambda w: w.bss.list_service_types(ListServiceTypesRequest(limit=101)),
    status=400,
    code="CBC.0100",
)
def list_service_types(w):
    response = w.bss.list_service_types(ListServiceTypesRequest(x_language="en_US", limit=100))
    codes = {t.service_type_code: t for t in response.service_types}
    assert response.total_count == len(codes) == 10
    assert codes["hws.service.type.ec2"].service_type_name == "Elastic Cloud Server"
    assert codes["hws.service.type.ec2"].abbreviation == "ECS"
    return response


@case(
    "list_resource_types",
    refuse=lambda w: w.bss.list_resource_types(ListResourceTypesRequest(limit=0)),
    status=400,
    code="CBC.0100",
)
def list_resource_types(w):
    response = w.demo.list_resource_types(ListResourceTypesRequest(x_language="en_US", limit=100))
    kinds = {t.resource_type_code: t for t in response.resource_types}
    assert response.total_count == 10
    assert kinds["hws.resource.type.vm"].service_type_code == "hws.service.type.ec2"
    assert kinds["hws.resource.type.vm"].resource_type_name
    return response


@case(
    "list_service_resources",
    refuse=lambda w: w.bss.list_service_resources(ListServiceResourcesRequest(limit=101)),
    status=400,
    code="CBC.0100",
)
def list_service_resources(w):
    response = w.bss.list_service_resources(ListServiceResourcesRequest(service_type_code="hws.service.type.ec2"))
    (info,) = response.infos
    assert response.total_count == 1
    assert (info.basic_info.resource_type_code, info.basic_info.product_owner_service) == (
        "hws.resource.type.vm",
        "hws.service.type.ec2",
    )
    return response


@case(
    "list_usage_types",
    refuse=lambda w: w.bss.list_usage_types(ListUsageTypesRequest(offset=-1)),
    status=400,
    code="CBC.0100",
)
def list_usage_types(w):
    response = w.bss.list_usage_types(ListUsageTypesRequest(resource_type_code="hws.resource.type.bandwidth"))
    assert {u.code for u in response.usage_types} == {"Duration", "upflow"}
    assert {u.service_type_code for u in response.usage_types} == {"hws.service.type.vpc"}
    return response


@case(
    "list_measure_units",
    refuse=lambda w: build_bss(w.sandbox.url, sk="not-the-secret-key").list_measure_units(ListMeasureUnitsRequest()),
    status=401,
    code="APIGW.0301",
)
def list_measure_units(w):
    response = w.bss.list_measure_units(ListMeasureUnitsRequest(x_language="en_US"))
    units = {u.measure_id: u for u in response.measure_units}
    assert (units[1].abbreviation, units[17].abbreviation) == ("USD", "GB")
    assert units[4].measure_type and units[4].measure_name
    return response


@case(
    "list_conversions",
    refuse=lambda w: w.bss.list_conversions(ListConversionsRequest(measure_type=0)),
    status=400,
    code="CBC.0100",
)
def list_conversions(w):
    response = w.bss.list_conversions(ListConversionsRequest())
    day = next(c for c in response.conversions if c.measure_id == 5 and c.ref_measure_id == 4)
    assert money(day.conversion_ratio) == 24
    return response


@case(
    "list_rate_on_period_detail",
    refuse=lambda w: rate_period(w.bss, period_product("1", "s6.huge.99.linux")),
    status=400,
    code="CBC.99006006",
)
def list_rate_on_period_detail(w):
    response = rate_period(w.bss, period_product("vm", "s6.large.2.linux"))
    official = response.official_website_rating_result
    (discount,) = response.optional_discount_rating_results
    assert official.product_rating_results[0].id == "vm"
    assert official.official_website_amount > 0 and response.currency == "USD"
    assert (discount.discount_type, discount.best_offer) == (607, 1)
    assert discount.amount < official.official_website_amount
    return response


@case(
    "list_on_demand_resource_ratings",
    refuse=lambda w: rate_on_demand(w.bss, demand_product("1", "s6.large.2.linux", factor="upflow", measure=10)),
    status=400,
    code="CBC.99006074",
)
def list_on_demand_resource_ratings(w):
    response = rate_on_demand(w.demo, demand_product("vm", "s6.large.2.linux"))
    (product,) = response.product_rating_results
    assert (product.id, product.measure_id, response.currency) == ("vm", 1, "USD")
    assert 0 < response.amount < response.official_website_amount
    assert product.discount_rating_results[0].discount_type == 607
    return response


def renew_rate(client, resource_ids, **body):
    return client.list_renew_rate_on_period(
        ListRenewRateOnPeriodRequest(
            body=ListRenewRateOnPeriodReq(resource_ids=resource_ids, period_type=2, period_num=1, **body)
        )
    )


@case(
    "list_renew_rate_on_period",
    refuse=lambda w: renew_rate(w.demo, [f"r{i}" for i in range(11)]),
    status=400,
    code="CBC.0100",
)
def list_renew_rate_on_period(w):
    response = renew_rate(w.demo, [RESOURCE_FAR_EXPIRY, "no-such-resource"])
    (quote,) = response.renew_inquiry_results
    assert quote.resource_id == RESOURCE_FAR_EXPIRY and money(quote.amount) > 0
    assert [(f.resource_id, f.error_code) for f in response.fail_resource_infos] == [
        ("no-such-resource", "CBC.30050009")
    ]
    assert response.optional_discount_rating_results[0].best_offer == 1
    return response


# --- orders (reference 5.4, 5.8) -------------------------------------------------------------------------


@case(
    "list_customer_orders",
    refuse=lambda w: w.bss.list_customer_orders(
        ListCustomerOrdersRequest(method="sub_customer", customer_id=UNKNOWN_ID)
    ),
    status=400,
    code="CBC.99000035",
)
def list_customer_orders(w):
    response = w.demo.list_customer_orders(ListCustomerOrdersRequest(status=6, limit=100))
    assert response.total_count == 2
    first = response.order_infos[0]
    assert {o.order_id for o in response.order_infos} == {ORDER_PENDING, "CS2501010005DEMO5"}
    assert (first.customer_id, first.order_type, first.currency, first.measure_id) == (DEMO_ID, 1, "USD", 1)
    assert first.official_amount > 0 and first.create_time.endswith("Z")
    return response


@case(
    "show_customer_order_details",
    refuse=lambda w: life.details(w.bss, "CS2099123100000"),
    status=400,
    code="CBC.30000010",
)
def show_customer_order_details(w):
    response = life.details(w.bss, ORDER_PENDING)
    info = response.order_info
    assert (info.order_id, info.customer_id, info.status, info.order_type) == (ORDER_PENDING, DEMO_ID, 6, 1)
    assert info.pending_payment_end_time.endswith("Z")
    assert response.total_count == len(response.order_line_items) >= 1
    line = response.order_line_items[0]
    assert line.order_line_item_id.startswith(ORDER_PENDING) and line.official_amount > 0
    return response


@case(
    "list_order_discounts",
    refuse=lambda w: w.acme.list_order_discounts(ListOrderDiscountsRequest(order_id=ORDER_PENDING)),
    status=400,
    code="CBC.30000010",
)
def list_order_discounts(w):
    response = w.demo.list_order_discounts(ListOrderDiscountsRequest(order_id=ORDER_PENDING))
    (discount,) = response.discounts
    assert (discount.discount_type, discount.orders[0].order_id) == (3, ORDER_PENDING)
    assert money(discount.discount_value) > 0
    return response


@case("pay_orders", refuse=lambda w: life.pay(w.demo, ORDER_COMPLETED), status=400, code="CBC.3106")
def pay_orders(w):
    used_before = money(w.customer(DEMO_ID)["used_amount"])
    response = life.pay(w.demo, ORDER_PENDING)
    info = life.details(w.demo, ORDER_PENDING).order_info
    assert (info.status, info.payment_time is not None) == (5, True)
    assert money(w.customer(DEMO_ID)["used_amount"]) - used_before == money(info.amount_after_discount)
    return response


def cancel_order(client, order_id):
    return client.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=order_id)))


@case("cancel_customer_order", refuse=lambda w: cancel_order(w.demo, ORDER_COMPLETED), status=400, code="CBC.30000067")
def cancel_customer_order(w):
    response = cancel_order(w.demo, ORDER_PENDING)
    assert life.details(w.demo, ORDER_PENDING).order_info.status == 4
    return response


@case(
    "show_refund_order_details",
    refuse=lambda w: w.bss.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=ORDER_UNSUBSCRIPTION)),
    status=400,
    code="CBC.0100",
)
def show_refund_order_details(w):
    response = w.bss.show_refund_order_details(
        ShowRefundOrderDetailsRequest(order_id=ORDER_UNSUBSCRIPTION, customer_id=DEMO_ID)
    )
    assert response.total_count == len(response.refund_infos) == 2
    assert all(r.amount < 0 and r.base_order_id == "CS2501010007DEMO7" for r in response.refund_infos)
    assert {r.customer_id for r in response.refund_infos} == {DEMO_ID}
    return response


# --- yearly/monthly and pay-per-use resources (reference 5.6, 5.9-5.12) --------------------------------


@case(
    "list_pay_per_use_customer_resources",
    refuse=lambda w: life.resources(w.demo, status_list=[1]),
    status=400,
    code="CBC.0100",
)
def list_pay_per_use_customer_resources(w):
    response = w.demo.list_pay_per_use_customer_resources(
        life.ListPayPerUseCustomerResourcesRequest(body=life.QueryResourcesReq(resource_ids=[RESOURCE_FAR_EXPIRY]))
    )
    (disk,) = response.data
    assert response.total_count == 1
    assert (disk.resource_id, disk.is_main_resource, disk.status, disk.expire_policy) == (RESOURCE_FAR_EXPIRY, 1, 2, 0)
    assert disk.service_type_code == "hws.service.type.ebs"
    assert life.at(disk.expire_time) > life.at(disk.effective_time)
    return response


@case(
    "renewal_resources",
    refuse=lambda w: life.renew(w.bss, [RESOURCE_FAR_EXPIRY]),
    status=403,
    code="CBC.0151",
)
def renewal_resources(w):
    response = life.renew(w.demo, [RESOURCE_FAR_EXPIRY])
    (order_id,) = response.order_ids
    assert response.fail_resource_infos == []
    info = life.details(w.demo, order_id).order_info
    assert (info.order_type, info.status) == (2, 6)
    return response


@case(
    "cancel_resources_subscription",
    refuse=lambda w: life.unsubscribe(w.demo, [RESOURCE_FAR_EXPIRY], unsubscribe_type=7),
    status=400,
    code="CBC.0100",
)
def cancel_resources_subscription(w):
    response = life.unsubscribe(w.demo, [RESOURCE_FAR_EXPIRY])
    (order_id,) = response.order_ids
    assert life.details(w.demo, order_id).order_info.order_type == 4
    assert life.resource(w.demo, RESOURCE_FAR_EXPIRY).status == 3
    return response


def auto_renew(client, resource_id):
    return client.auto_renewal_resources(
        AutoRenewalResourcesRequest(
            resource_id=resource_id, body=AutoRenewalResourcesReq(auto_renew_times=0, period_type="MONTH")
        )
    )


@case(
    "auto_renewal_resources",
    refuse=lambda w: auto_renew(w.demo, "no-such-resource"),
    status=400,
    code="CBC.30050009",
)
def auto_renewal_resources(w):
    response = auto_renew(w.demo, RESOURCE_FAR_EXPIRY)
    assert life.resource(w.demo, RESOURCE_FAR_EXPIRY).expire_policy == 3
    return response


@case(
    "cancel_auto_renewal_resources",
    refuse=lambda w: w.demo.cancel_auto_renewal_resources(
        CancelAutoRenewalResourcesRequest(resource_id=RESOURCE_FAR_EXPIRY)
    ),
    status=400,
    code="CBC.99003605",
)
def cancel_auto_renewal_resources(w):
    response = w.demo.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=RESOURCE_AUTO_RENEW))
    assert life.resource(w.demo, RESOURCE_AUTO_RENEW).expire_policy == 0
    return response


@case(
    "set_resources_renew_config",
    refuse=lambda w: life.renew_config(w.demo, "DEDUCTION_DATE", "8"),
    status=400,
    code="CBC.0100",
)
def set_resources_renew_config(w):
    response = life.renew_config(w.demo, "EXPIRE_DATE", "-1")
    assert (response.error_code, response.error_msg) == ("CBC.0000", "Success.")
    life.renew(w.demo, [RESOURCE_FAR_EXPIRY], auto_pay=1)
    renewed = life.at(life.resource(w.demo, RESOURCE_FAR_EXPIRY).expire_time)
    assert (renewed + timedelta(days=1)).day == 1  # the last day of a month
    # Auto-renewals charged 7 days early: the EIP due in ~42 days is renewed after 36 (to a month's end).
    life.renew_config(w.demo, "DEDUCTION_DATE", "7")
    due = life.at(life.resource(w.demo, RESOURCE_AUTO_RENEW).expire_time)
    w.advance_clock(days=36)
    renewed = life.at(life.resource(w.demo, RESOURCE_AUTO_RENEW).expire_time)
    assert renewed >= due + relativedelta(months=1) and (renewed + timedelta(days=1)).day == 1
    return response


@case(
    "update_period_to_on_demand",
    refuse=lambda w: life.to_on_demand(w.demo, "CONVERT", [life.RESOURCE_NEAR_EXPIRY]),
    status=400,
    code="CBC.0100",
)
def update_period_to_on_demand(w):
    response = life.to_on_demand(w.demo, "SET_UP", [life.RESOURCE_NEAR_EXPIRY, "no-such-resource"])
    assert [(e.id, e.error_code) for e in response.error_details] == [("no-such-resource", "CBC.30050009")]
    assert life.resource(w.demo, life.RESOURCE_NEAR_EXPIRY).expire_policy == 1
    w.advance_clock(days=6)  # past the ECS's expiry: it goes on pay-per-use, its system disk too
    assert life.resource(w.demo, life.RESOURCE_NEAR_EXPIRY).status == 3
    converted = on_demand_resources(w.bss, DEMO_ID, resource_ids=[life.RESOURCE_NEAR_EXPIRY], limit=100)
    (ecs,) = converted.resources
    assert (ecs.resource_type_code, ecs.status) == ("hws.resource.type.vm", 1)
    return response


@case(
    "list_free_resource_infos",
    refuse=lambda w: life.packages(w.bss),
    status=403,
    code="CBC.0151",
)
def list_free_resource_infos(w):
    response = life.packages(w.demo, status=1)
    assert response.total_count == len(response.free_resource_packages) == 2
    package = response.free_resource_packages[0]
    assert package.order_instance_id and package.product_name and package.effective_time.endswith("Z")
    item = package.free_resources[0]
    assert item.free_resource_id and item.usage_type_name and money(item.original_amount) >= money(item.amount)
    return response


@case(
    "list_free_resource_usages",
    refuse=lambda w: life.package_usages(w.demo, [f"item-{i}" for i in range(101)]),
    status=400,
    code="CBC.0100",
)
def list_free_resource_usages(w):
    response = w.demo.list_free_resource_usages(
        life.ListFreeResourceUsagesRequest(body=life.ListFreeResourceUsagesReq(free_resource_ids=[life.TRAFFIC_ITEM]))
    )
    (item,) = response.free_resources
    assert (item.free_resource_id, item.amount, item.original_amount, item.measure_id) == (
        life.TRAFFIC_ITEM,
        Decimal("36.8"),
        Decimal("100"),
        10,
    )
    assert item.usage_type_name == "Outbound traffic" and item.start_time < item.end_time
    return response


def on_demand_resources(client, customer_id, **body):
    return client.list_customer_on_demand_resources(
        ListCustomerOnDemandResourcesRequest(body=QueryCustomerOnDemandResourcesReq(customer_id=customer_id, **body))
    )


@case(
    "list_customer_on_demand_resources",
    refuse=lambda w: on_demand_resources(w.bss, UNKNOWN_ID),
    status=400,
    code="CBC.99000035",
)
def list_customer_on_demand_resources(w):
    response = on_demand_resources(w.bss, DEMO_ID, limit=100)
    assert response.total_count == len(response.resources) == 4
    first = response.resources[0]
    assert first.customer_id == DEMO_ID and first.resource_id and first.effective_time.endswith("Z")
    assert first.resource_info.startswith("{")  # a JSON string, as Huawei sends it
    return response


# --- bills (reference 5.13-5.15) ----------------------------------------------------------------------


@case(
    "list_postpaid_bill_sum",
    refuse=lambda w: bills.partner_bill(w.bss, generator.cycle_of(datetime.now(UTC))),  # the open cycle: no bill yet
    status=400,
    code="CBC.99008001",
)
def list_postpaid_bill_sum(w):
    response = bills.partner_bill(w.bss, CLOSED_CYCLE)
    assert (response.bill_cycle, response.currency) == (CLOSED_CYCLE, "USD")
    assert response.consume_amount > 0 and response.refunds < 0
    assert response.initial_amount_due == response.consume_amount + response.refunds + response.adjustments
    return response


def monthly_sum(client, **query):
    return client.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=CLOSED_CYCLE, **query))


@case("show_customer_monthly_sum", refuse=lambda w: monthly_sum(w.demo, limit=1001), status=400, code="CBC.0100")
def show_customer_monthly_sum(w):
    response = monthly_sum(w.bss, method="sub_customer", sub_customer_id=DEMO_ID, limit=1000)
    assert response.total_count == len(response.bill_sums) > 0
    assert response.consume_amount == sum(s.consume_amount for s in response.bill_sums)
    first = response.bill_sums[0]
    assert (first.customer_id, first.bill_cycle) == (DEMO_ID, CLOSED_CYCLE)
    assert first.service_type_code.startswith("hws.service.type.") and first.charging_mode in (1, 3, 10, 11)
    return response


@case(
    "list_customerself_resource_records",
    refuse=lambda w: w.demo.list_customerself_resource_records(
        ListCustomerselfResourceRecordsRequest(cycle=CLOSED_CYCLE, statistic_type=4)
    ),
    status=400,
    code="CBC.0100",
)
def list_customerself_resource_records(w):
    response = w.demo.list_customerself_resource_records(
        ListCustomerselfResourceRecordsRequest(cycle=CLOSED_CYCLE, statistic_type=2, limit=1000)
    )
    assert response.total_count == len(response.fee_records) > 0 and response.currency == "USD"
    record = response.fee_records[0]
    assert (record.customer_id, record.bill_date[:7]) == (DEMO_ID, CLOSED_CYCLE)
    assert record.cloud_service_type.startswith("hws.service.type.") and record.resource_id
    total = sum(money(r.amount) for r in response.fee_records)
    assert total == money(monthly_sum(w.demo).consume_amount)
    return response


def record_details(client, **body):
    return client.list_customerself_resource_record_details(
        ListCustomerselfResourceRecordDetailsRequest(body=QueryResRecordsDetailReq(**body))
    )


@case(
    "list_customerself_resource_record_details",
    refuse=lambda w: record_details(w.bss, cycle=CLOSED_CYCLE),
    status=403,
    code="CBC.0151",
)
def list_customerself_resource_record_details(w):
    response = record_details(w.demo, cycle=CLOSED_CYCLE, limit=1000)
    assert response.total_count == len(response.monthly_records) > 0
    record = response.monthly_records[0]
    assert (record.customer_id, record.cycle) == (DEMO_ID, CLOSED_CYCLE)
    assert record.official_amount >= record.consume_amount and record.charge_mode in (1, 3, 10, 11)
    return response


@case(
    "list_costs",
    refuse=lambda w: bills.costs(w.demo, CLOSED_CYCLE, generator.shift_cycle(CLOSED_CYCLE, -1)),
    status=400,
    code="CBC.0100",
)
def list_costs(w):
    response = bills.costs(w.demo, CLOSED_CYCLE, CLOSED_CYCLE, groupby=["REGION_CODE"])
    assert response.total_count == len(response.cost_data) > 0 and response.currency == "USD"
    group = response.cost_data[0]
    assert (group.dimensions[0].key, group.costs[0].time_dimension_value) == ("REGION_CODE", CLOSED_CYCLE)
    total = sum(money(g.amount_by_costs) for g in response.cost_data)
    assert total == money(monthly_sum(w.demo).consume_amount)
    return response


# --- IAM (reference 9.3; no IAM SDK: plain HTTP like huaweicloud/identity.py) --------------------------


def iam(w, method, path, body=None, token=None) -> requests.Response:
    headers = {"Content-Type": "application/json;charset=utf8"}
    if token:
        headers["X-Auth-Token"] = token
    return requests.request(method, f"{w.sandbox.url}{path}", json=body, headers=headers, timeout=10)


def password_token(w, password=DEMO_PARTNER["iam_password"]) -> requests.Response:
    body = password_body(password=password, scope={"domain": {"name": DEMO_PARTNER["domain_name"]}})
    return iam(w, "POST", "/v3/auth/tokens", body)


def agency_token(w, agency=DEMO_PARTNER["xaccount_type"]) -> requests.Response:
    return iam(w, "POST", "/v3/auth/tokens", assume_role_body(agency=agency), token=w.sandbox.partner_token())


def temporary_keys(w, duration_seconds) -> requests.Response:
    assume_role = {
        "domain_name": DEMO_CUSTOMER["account_name"],
        "agency_name": DEMO_PARTNER["xaccount_type"],
        "duration_seconds": duration_seconds,
    }
    body = {"auth": {"identity": {"methods": ["assume_role"], "assume_role": assume_role}}}
    return iam(w, "POST", "/v3.0/OS-CREDENTIAL/securitytokens", body, token=w.sandbox.partner_token())


@case(
    "keystone_create_user_token_by_password",
    refuse=lambda w: password_token(w, password="wrong-password"),
    status=401,
    code="Unauthorized",
)
def keystone_create_user_token_by_password(w):
    response = password_token(w)
    assert response.status_code == 201 and response.headers["X-Subject-Token"].startswith("MII")
    token = response.json()["token"]
    assert token["user"]["name"] == DEMO_PARTNER["iam_user"]
    assert token["domain"] == {"id": DEMO_PARTNER["domain_id"], "name": DEMO_PARTNER["domain_name"]}
    return response


@case(
    "keystone_create_agency_token",
    refuse=lambda w: agency_token(w, agency="someone_elses_IDP"),
    status=403,
    code="Forbidden",
)
def keystone_create_agency_token(w):
    response = agency_token(w)
    assert response.status_code == 201 and response.headers["X-Subject-Token"].startswith("MII")
    project = response.json()["token"]["project"]
    assert project["domain"] == {"id": DEMO_ID, "name": DEMO_CUSTOMER["account_name"]}
    assert (project["name"], bool(HEX32.match(project["id"]))) == ("ap-southeast-1", True)
    return response


@case(
    "keystone_list_auth_projects",
    refuse=lambda w: iam(w, "GET", "/v3/auth/projects", token="MIIforged"),
    status=401,
    code="Unauthorized",
)
def keystone_list_auth_projects(w):
    identity = w.sandbox.customer_identity("demo-customer")
    response = iam(w, "GET", "/v3/auth/projects", token=identity["token"])
    projects = {p["name"]: p for p in response.json()["projects"]}
    assert response.status_code == 200
    assert projects["ap-southeast-1"]["id"] == identity["project_id"]
    assert {p["domain_id"] for p in projects.values()} == {DEMO_ID}
    return response


@case(
    "create_temporary_access_key_by_agency",
    refuse=lambda w: temporary_keys(w, duration_seconds=899),
    status=400,
    code="Bad Request",
)
def create_temporary_access_key_by_agency(w):
    response = temporary_keys(w, duration_seconds=3600)
    credential = response.json()["credential"]
    assert response.status_code == 201
    assert (len(credential["access"]), len(credential["secret"])) == (20, 40)
    assert credential["securitytoken"] and credential["expires_at"]
    return response


# --- tickets (OSM, reference 7) -------------------------------------------------------------------------


@case(
    "list_case_categories",
    refuse=lambda w: w.osm.list_case_categories(ListCaseCategoriesRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def list_case_categories(w):
    response = w.osm.list_case_categories(ListCaseCategoriesRequest(**SITE))
    technical = response.incident_sub_type_list[0]
    assert (response.total_count, technical.incident_sub_type_name) == (2, "Technical issues")
    ecs = technical.incident_product_category_list[0]
    assert (ecs.incident_product_category_id, ecs.incident_product_category_acronym) == ("15", "ECS")
    return response


@case(
    "list_product_categories",
    refuse=lambda w: w.osm.list_product_categories(ListProductCategoriesRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def list_product_categories(w):
    response = w.osm.list_product_categories(ListProductCategoriesRequest(product_category_name="evs", **SITE))
    (evs,) = response.incident_product_category_list
    assert (response.total_count, evs.incident_product_category_id, evs.incident_product_category_acronym) == (
        1,
        "16",
        "EVS",
    )
    assert evs.incident_product_category_name == "Elastic Volume Service"
    return response


@case(
    "list_problem_types",
    refuse=lambda w: w.osm.list_problem_types(ListProblemTypesRequest(**SITE)),
    status=400,
    code="OSM.01010001",
)
def list_problem_types(w):
    response = w.osm.list_problem_types(ListProblemTypesRequest(product_category_id="15", **SITE))
    types = {t.business_type_id: t for t in response.incident_business_type_list}
    assert set(types) == {"1501", "1502", "1503"}
    assert (types["1501"].case_type, types["1503"].case_type) == ("5", "0")
    assert types["1501"].business_type_name
    return response


@case(
    "list_severities",
    refuse=lambda w: w.osm.list_severities(
        ListSeveritiesRequest(product_category_id="15", business_type_id="1601", **SITE)
    ),
    status=400,
    code="OSM.01010001",
)
def list_severities(w):
    response = w.osm.list_severities(ListSeveritiesRequest(product_category_id="15", business_type_id="1501", **SITE))
    assert [s.severity_id for s in response.severity_list] == ["1", "2", "3", "4"]
    assert all(s.severity_name for s in response.severity_list)
    return response


@case(
    "list_case_templates",
    refuse=lambda w: w.osm.list_case_templates(ListCaseTemplatesRequest(**SITE)),
    status=400,
    code="OSM.01010001",
)
def list_case_templates(w):
    response = w.osm.list_case_templates(ListCaseTemplatesRequest(business_type_id="1501", **SITE))
    template = response.incident_template_list[0]
    assert response.total_count == len(response.incident_template_list) >= 1
    assert template.incident_template_id and template.incident_template_name and template.incident_template_content
    return response


@case(
    "list_regions",
    refuse=lambda w: w.osm.list_regions(ListRegionsRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def list_regions(w):
    response = w.osm.list_regions(ListRegionsRequest(**SITE))
    names = {r.region_id: r.region_name for r in response.data_center_list}
    assert response.total_count == len(names) == 10
    assert names["ap-southeast-3"] == "AP-Singapore"
    return response


@case(
    "list_customers_regions",
    refuse=lambda w: w.demo_osm.list_customers_regions(ListCustomersRegionsRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def list_customers_regions(w):
    response = w.demo_osm.list_customers_regions(ListCustomersRegionsRequest(**SITE))
    names = {r.region_id: r.region_name for r in response.region_infos}
    assert response.count == len(names) == 10
    assert names["ap-southeast-3"] == "AP-Singapore"
    return response


@case(
    "list_area_codes",
    refuse=lambda w: w.osm.list_area_codes(ListAreaCodesRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def list_area_codes(w):
    response = w.osm.list_area_codes(ListAreaCodesRequest(**SITE))
    codes = {a.area_code: a.area_name for a in response.area_code_list}
    assert len(codes) == 13 and codes["65"]
    return response


@case(
    "list_satisfaction_dimensions",
    refuse=lambda w: w.osm.list_satisfaction_dimensions(ListSatisfactionDimensionsRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def list_satisfaction_dimensions(w):
    response = w.osm.list_satisfaction_dimensions(ListSatisfactionDimensionsRequest(**SITE))
    dimensions = [(d.satisfaction_id, d.satisfaction_name, d.value) for d in response.satisfaction_dimension_list]
    assert dimensions[0] == (1, "Response speed", 5)
    assert [d[0] for d in dimensions] == [1, 2, 3]
    return response


@case(
    "list_case_limits",
    refuse=lambda w: w.osm.list_case_limits(ListCaseLimitsRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def list_case_limits(w):
    response = w.osm.list_case_limits(ListCaseLimitsRequest(**SITE))
    assert response.config.create_case_ccemail_max_count == 10
    return response


@case(
    "list_case_quotas",
    refuse=lambda w: w.osm.list_case_quotas(ListCaseQuotasRequest(product_category_id="99", **SITE)),
    status=400,
    code="OSM.01010001",
)
def list_case_quotas(w):
    before = w.osm.list_case_quotas(ListCaseQuotasRequest(**SITE))
    tickets.create(w.osm)
    response = w.osm.list_case_quotas(ListCaseQuotasRequest(**SITE))
    assert (response.total, response.un_used) == (100, before.un_used - 1)
    return response


@case(
    "list_labels",
    refuse=lambda w: w.osm.list_labels(ListLabelsRequest(limit=101, **SITE)),
    status=400,
    code="OSM.01010001",
)
def list_labels(w):
    response = w.osm.list_labels(ListLabelsRequest(**SITE))
    assert response.total_count == 3
    assert [(label.label_id, label.name) for label in response.label_list][0] == (1, "Urgent")
    assert all(label.color for label in response.label_list)
    return response


@case(
    "list_has_verified_contacts",
    refuse=lambda w: w.demo_osm.list_has_verified_contacts(ListHasVerifiedContactsRequest(contact_way=2, **SITE)),
    status=400,
    code="OSM.01010001",
)
def list_has_verified_contacts(w):
    response = w.demo_osm.list_has_verified_contacts(ListHasVerifiedContactsRequest(**SITE))
    contacts = {c.contact_way: c for c in response.contact_list}
    assert response.count == 2
    assert (contacts[1].contact_value, contacts[0].area_code) == (DEMO_CUSTOMER["email"], "65")
    assert HEX32.match(contacts[0].verified_id)
    return response


@case(
    "show_accessory_limits",
    refuse=lambda w: w.osm.show_accessory_limits(ShowAccessoryLimitsRequest(**CHINA_SITE)),
    status=403,
    code="CBC.0156",
)
def show_accessory_limits(w):
    response = w.osm.show_accessory_limits(ShowAccessoryLimitsRequest(**SITE))
    limits = response.accessory_limit
    assert (limits.limit_count, limits.limit_size) == ("10", "10")
    assert "png" in limits.limit_file_type.split(",")
    return response


@case(
    "upload_accessory",
    refuse=lambda w: tickets.upload(
        w.osm, content=b"MZ\x90\x00", name="setup.exe", content_type="application/octet-stream"
    ),
    status=400,
    code="OSM.01010001",
)
def upload_accessory(w):
    body = tickets.UploadAccessoryRequestBody(file=tickets.FormFile(tickets.Upload(tickets.PNG, "a.png"), "image/png"))
    response = w.osm.upload_accessory(tickets.UploadAccessoryRequest(**SITE, body=body))
    assert HEX32.match(response.accessory_id)
    return response


def downloaded(response) -> bytes:
    chunks = []
    response.consume_download_stream(lambda stream: chunks.extend(stream.iter_content(1024)))
    return b"".join(chunks)


@case(
    "download_accessories",
    refuse=lambda w: w.osm.download_accessories(DownloadAccessoriesRequest(accessory_id=MESSAGES_LOG, **SITE)),
    status=400,
    code="OSM.01010002",  # another account's attachment answers like an unknown one
)
def download_accessories(w):
    response = w.demo_osm.download_accessories(DownloadAccessoriesRequest(accessory_id=MESSAGES_LOG, **SITE))
    assert b"\n" in downloaded(response)
    return response


@case(
    "download_images",
    refuse=lambda w: w.demo_osm.download_images(DownloadImagesRequest(accessory_id=MESSAGES_LOG, **SITE)),
    status=400,
    code="OSM.01010001",  # not an image
)
def download_images(w):
    accessory_id = tickets.upload(w.osm)
    response = w.osm.download_images(DownloadImagesRequest(accessory_id=accessory_id, **SITE))
    assert downloaded(response) == tickets.PNG
    return response


@case(
    "show_download_accessory_url",
    refuse=lambda w: w.osm.show_download_accessory_url(ShowDownloadAccessoryUrlRequest(accessory_id="f" * 32)),
    status=400,
    code="OSM.01010002",
)
def show_download_accessory_url(w):
    accessory_id = tickets.upload(w.osm)
    response = w.osm.show_download_accessory_url(ShowDownloadAccessoryUrlRequest(accessory_id=accessory_id))
    assert requests.get(response.accessory_url, timeout=10).content == tickets.PNG  # no signature needed
    return response


@case(
    "list_accessory_access_urls",
    refuse=lambda w: w.osm.list_accessory_access_urls(ListAccessoryAccessUrlsRequest(accessory_ids=[], **SITE)),
    status=400,
    code="OSM.01010001",
)
def list_accessory_access_urls(w):
    accessory_id = tickets.upload(w.osm)
    response = w.osm.list_accessory_access_urls(ListAccessoryAccessUrlsRequest(accessory_ids=[accessory_id], **SITE))
    (url,) = response.accessory_urls
    assert (url.accessory_id, url.accessory_name) == (accessory_id, "screenshot.png")
    assert requests.get(url.accessory_url, timeout=10).content == tickets.PNG
    return response


@case(
    "delete_accessories",
    refuse=lambda w: w.demo_osm.delete_accessories(DeleteAccessoriesRequest(accessory_id=MESSAGES_LOG, **SITE)),
    status=403,
    code="OSM.0003",  # attached to a message
)
def delete_accessories(w):
    accessory_id = tickets.upload(w.osm)
    response = w.osm.delete_accessories(DeleteAccessoriesRequest(accessory_id=accessory_id, **SITE))
    gone = refusal(lambda: w.osm.download_accessories(DownloadAccessoriesRequest(accessory_id=accessory_id, **SITE)))
    assert gone == (400, "OSM.01010002")
    return response


@case(
    "create_cases",
    refuse=lambda w: tickets.create(w.osm, severity_id="9"),
    status=400,
    code="OSM.01010006",
)
def create_cases(w):
    incident_id = tickets.create(w.osm, severity_id="2")
    assert re.fullmatch(r"CS\d{14}", incident_id)
    state = w.sandbox.ticket(incident_id)
    assert (state["owner"], state["status"], state["severity_id"]) == ("partner", 0, "2")
    return w.osm.show_case_detail(ShowCaseDetailRequest(case_id=incident_id, **SITE))


@case(
    "list_cases",
    refuse=lambda w: w.osm.list_cases(ListCasesRequest(limit=101, **SITE)),
    status=400,
    code="OSM.01010001",
)
def list_cases(w):
    response = w.demo_osm.list_cases(ListCasesRequest(**SITE))
    assert response.total_count == 4
    assert {t.incident_id for t in response.incident_info_list} == set(CUSTOMER_TICKETS.values())
    first = response.incident_info_list[0]
    assert (first.customer_id, first.dc_name) == (DEMO_ID, "AP-Singapore")
    assert first.business_type_name and first.simple_description and first.create_time
    return response


@case(
    "list_case_counts",
    refuse=lambda w: w.osm.list_case_counts(ListCaseCountsRequest(status=7, **SITE)),
    status=400,
    code="OSM.01010001",
)
def list_case_counts(w):
    response = w.osm.list_case_counts(ListCaseCountsRequest(**SITE))
    assert [(c.status, c.count) for c in response.incident_status_counts] == [(0, 1), (1, 1), (3, 1), (4, 1)]
    return response


@case(
    "show_case_detail",
    refuse=lambda w: w.osm.show_case_detail(ShowCaseDetailRequest(case_id=CUSTOMER_TICKETS["pending"], **SITE)),
    status=400,
    code="OSM.01010002",
)
def show_case_detail(w):
    response = w.osm.show_case_detail(ShowCaseDetailRequest(case_id=PARTNER_TICKETS["processing"], **SITE))
    info = response.incident_detail_info
    assert (info.incident_id, info.status, info.business_ownership) == (PARTNER_TICKETS["processing"], 1, 0)
    assert [(m.type, m.is_first_message) for m in info.message_list] == [(0, 1), (1, 0)]
    assert info.message_list[1].replier_name == "HUAWEI CLOUD Support" and info.message_list[1].message_id
    return response


@case(
    "show_case_status",
    refuse=lambda w: w.osm.show_case_status(tickets.ShowCaseStatusRequest(case_id="CS20990101000001", **SITE)),
    status=400,
    code="OSM.01010002",
)
def show_case_status(w):
    response = w.osm.show_case_status(tickets.ShowCaseStatusRequest(case_id=PARTNER_TICKETS["completed"], **SITE))
    assert response.status == 3
    return response


@case(
    "list_messages",
    refuse=lambda w: w.osm.list_messages(ListMessagesRequest(case_id=PARTNER_TICKETS["processing"], offset=-1, **SITE)),
    status=400,
    code="OSM.01010001",
)
def list_messages(w):
    response = w.demo_osm.list_messages(ListMessagesRequest(case_id=CUSTOMER_TICKETS["processing"], **SITE))
    first, reply = response.message_list
    assert response.count == 2
    assert (first.type, first.is_first_message, first.accessory_list[0].accessory_id) == (0, 1, MESSAGES_LOG)
    assert (reply.type, reply.replier_type) == (1, 1) and reply.content
    return response


@case(
    "create_messages",
    refuse=lambda w: tickets.message(w.osm, PARTNER_TICKETS["completed"], "One more thing"),
    status=403,
    code="OSM.0003",
)
def create_messages(w):
    response = tickets.message(w.osm, PARTNER_TICKETS["processing"], "Still failing after the change.")
    messages = w.osm.list_messages(ListMessagesRequest(case_id=PARTNER_TICKETS["processing"], **SITE))
    assert (messages.count, messages.message_list[-1].content) == (3, "Still failing after the change.")
    return response


@case(
    "update_cases",
    refuse=lambda w: tickets.act(w.osm, PARTNER_TICKETS["completed"], "press"),
    status=403,
    code="OSM.0003",
)
def update_cases(w):
    response = tickets.act(w.osm, PARTNER_TICKETS["processing"], "cancel", operate_desc="Not needed any more")
    assert tickets.status_of(w.osm, PARTNER_TICKETS["processing"]) == 4
    return response


def labels(client, incident_id):
    return client.list_case_labels(ListCaseLabelsRequest(case_id=incident_id, **SITE))


@case(
    "list_case_labels",
    refuse=lambda w: labels(w.osm, CUSTOMER_TICKETS["pending"]),
    status=400,
    code="OSM.01010002",
)
def list_case_labels(w):
    w.osm.create_case_labels(CreateCaseLabelsRequest(case_id=PARTNER_TICKETS["pending"], label_ids=[2], **SITE))
    response = labels(w.osm, PARTNER_TICKETS["pending"])
    assert [(label.label_id, label.name) for label in response.case_label_list] == [(2, "Billing")]
    return response


@case(
    "create_case_labels",
    refuse=lambda w: w.osm.create_case_labels(
        CreateCaseLabelsRequest(case_id=PARTNER_TICKETS["pending"], label_ids=[99], **SITE)
    ),
    status=400,
    code="OSM.01010001",
)
def create_case_labels(w):
    response = w.osm.create_case_labels(
        CreateCaseLabelsRequest(case_id=PARTNER_TICKETS["pending"], label_ids=[1, 3], **SITE)
    )
    assert [label.label_id for label in labels(w.osm, PARTNER_TICKETS["pending"]).case_label_list] == [1, 3]
    return response


@case(
    "delete_case_labels",
    refuse=lambda w: w.osm.delete_case_labels(
        DeleteCaseLabelsRequest(case_id="CS20990101000001", label_ids=[1], **SITE)
    ),
    status=400,
    code="OSM.01010002",
)
def delete_case_labels(w):
    w.osm.create_case_labels(CreateCaseLabelsRequest(case_id=PARTNER_TICKETS["pending"], label_ids=[1, 3], **SITE))
    response = w.osm.delete_case_labels(
        DeleteCaseLabelsRequest(case_id=PARTNER_TICKETS["pending"], label_ids=[1], **SITE)
    )
    assert [label.label_id for label in labels(w.osm, PARTNER_TICKETS["pending"]).case_label_list] == [3]
    return response


def score(client, incident_id):
    body = CreateScoreV2Req(
        judgement="Quick and right",
        incident_satisfaction_list=[IncidentSatisfactionV2Do(satisfaction_id=3, satisfaction_value=5)],
    )
    return client.create_scores(CreateScoresRequest(case_id=incident_id, **SITE, body=body))


@case("create_scores", refuse=lambda w: score(w.osm, PARTNER_TICKETS["processing"]), status=403, code="OSM.0003")
def create_scores(w):
    response = score(w.osm, PARTNER_TICKETS["completed"])
    detail = w.osm.show_case_detail(ShowCaseDetailRequest(case_id=PARTNER_TICKETS["completed"], **SITE))
    info = detail.incident_detail_info
    assert info.judgement == "Quick and right"
    assert [(s.satisfaction_id, s.satisfaction_value) for s in info.incident_satisfaction] == [(3, 5)]
    return response


@case(
    "list_case_operate_logs",
    refuse=lambda w: w.osm.list_case_operate_logs(
        ListCaseOperateLogsRequest(case_id=PARTNER_TICKETS["cancelled"], offset=65536, **SITE)
    ),
    status=400,
    code="OSM.01010001",
)
def list_case_operate_logs(w):
    response = w.osm.list_case_operate_logs(ListCaseOperateLogsRequest(case_id=PARTNER_TICKETS["cancelled"], **SITE))
    create, cancel = response.incident_operate_log_list
    assert (response.total_count, create.operate_type, cancel.operate_type) == (2, 1, 6)
    assert (cancel.incident_id, cancel.operator_type) == (PARTNER_TICKETS["cancelled"], 0)
    assert cancel.operate_time.endswith("Z") and cancel.operate_desc
    return response


# --- the table is complete, and every row holds ----------------------------------------------------------


def test_the_model_check_names_what_the_sdk_would_drop():
    model = ListSubCustomersResponse(count=1, customer_infos=[CustomerInformation(customer_id="c1")])
    raw = {"count": 1, "customer_infos": [{"customer_id": "c1", "nickname": "Lin"}], "next_page": 2}

    assert unknown_fields(model, raw) == ["next_page", "customer_infos[0].nickname"]
    assert unknown_fields(model, {"count": 1, "customer_infos": [{"customer_id": "c1"}]}) == []


def test_every_registered_operation_has_a_case(sandbox):
    registered = sandbox.config()["documented_rate_limits"]  # the running sandbox's REGISTRY, by name

    assert sorted(CASES) == sorted(registered)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_operation_answers_the_sdk_and_refuses_an_invalid_call(name, sandbox):
    world = World(sandbox)
    operation = CASES[name]

    answer = operation.succeed(world)
    assert_the_sdk_model_holds_the_answer(answer)
    assert refusal(lambda: operation.refuse(world)) == (operation.status, operation.code)
