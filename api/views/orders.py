"""Orders (list, detail, pay, cancel), resources (list, renew, auto-renew, unsubscribe), pay-per-use, usage.

Reads call the pages' selectors, writes the pages' services (orders.selectors, orders.services,
orders.resource_selectors, orders.resources, orders.usage).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from api.exceptions import ApiError, refusal
from api.idempotency import idempotent, service_key
from api.permissions import acting_customer, customer_of, is_staff_with, own_customer
from api.serializers.orders import (
    AutoRenewSerializer,
    OnDemandResourceSerializer,
    OrderDetailSerializer,
    OrderPaySerializer,
    OrderSerializer,
    PaymentAttemptSerializer,
    RenewalSerializer,
    RenewSerializer,
    ResourceListSerializer,
    ResourceSerializer,
    UnsubscribeSerializer,
    UnsubscriptionSerializer,
    UsageQuerySerializer,
    UsageSerializer,
)
from api.views.base import ApiView, customer_field, ordering_field
from api.views.customers import page_example
from orders import resource_selectors, selectors, services, usage
from orders import resources as resource_services
from orders.models import PaymentAttempt, RenewalAttempt, Resource, Unsubscription
from orders.resource_forms import parse_period

CUSTOMER_PARAM = OpenApiParameter(
    "customer", int, required=False, description="Staff: the customer's id. Ignored for a customer's own token."
)
IDEMPOTENCY_PARAM = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID): the same key and body again replays the first answer; "
    "the same key with another body is a 422.",
)
# Sort keys must not be NULL for the cursor: an order not yet dated sorts by when we first saw it,
# a resource without expiry after all others.
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)

ORDER_EXAMPLE = {
    "order_id": "CS2605011200ABCDE",
    "status": 6,
    "status_label": "Pending payment",
    "order_type": 1,
    "service_type_code": "hws.service.type.ec2",
    "service_type_name": "Elastic Cloud Server",
    "official_amount": "120.00",
    "discount_amount": "12.00",
    "amount": "108.00",
    "coupon_amount": "0.00",
    "refund_amount": None,
    "currency": "USD",
    "ordered_at": "2026-05-01T12:00:00Z",
    "paid_at": None,
    "pay_before": "2026-05-08T12:00:00Z",
    "resource_count": 2,
    "is_payable": True,
    "is_cancellable": True,
}
PAYMENT_EXAMPLE = {
    "id": 77,
    "order_id": "CS2605011200ABCDE",
    "status": "succeeded",
    "amount": "108.00",
    "discount_id": "",
    "coupon_ids": [],
    "error_code": "",
    "error_message": "",
    "created_at": "2026-05-01T12:03:00Z",
    "finished_at": "2026-05-01T12:03:02Z",
}
RESOURCE_EXAMPLE = {
    "resource_id": "9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10",
    "resource_name": "web-1",
    "region_code": "ap-southeast-1",
    "service_type_code": "hws.service.type.ec2",
    "service_type_name": "Elastic Cloud Server",
    "resource_type_code": "hws.resource.type.vm",
    "resource_type_name": "ECS",
    "product_spec_desc": "s6.large.2 | 2 vCPUs | 4 GiB | linux",
    "is_main_resource": True,
    "parent_resource_id": "",
    "status": 2,
    "status_label": "In use",
    "effective_at": "2026-04-01T00:00:00Z",
    "expires_at": "2026-06-01T00:00:00Z",
    "days_left": 31,
    "expire_policy": 0,
    "auto_renew": False,
    "auto_renew_period": "",
    "auto_renew_times": None,
    "order_id": "CS2604011200QWERT",
    "synced_at": "2026-05-01T11:41:00Z",
}
RENEWAL_EXAMPLE = {
    "id": 5,
    "status": "done",
    "status_label": "Accepted by HUAWEI CLOUD",
    "resource_ids": ["9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10"],
    "period_type": 2,
    "period_num": 1,
    "auto_pay": True,
    "quoted_amount": "54.00",
    "currency": "USD",
    "order_ids": ["CS2605011300RENEW"],
    "failures": [],
    "error_code": "",
    "error_message": "",
    "created_at": "2026-05-01T13:00:00Z",
    "finished_at": "2026-05-01T13:00:03Z",
}


def _accepted_or_ok(open_statuses, attempt) -> int:
    # Sent, but HUAWEI CLOUD's answer was lost: the outcome is being checked.
    return status.HTTP_202_ACCEPTED if attempt.status in open_statuses else status.HTTP_200_OK


# --- orders ------------------------------------------------------------------------------------------

ORDER_ORDERINGS = {
    "-ordered_at": ["-ordered_key"],
    "ordered_at": ["ordered_key"],
    "-amount": ["-amount"],
    "amount": ["amount"],
}


class OrderQuery(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[slug for slug, _label, _statuses in selectors.STATUS_TABS],
        required=False,
        default="all",
        help_text="The orders page's tabs.",
    )
    q = serializers.CharField(
        required=False, max_length=100, default="", help_text="Order id, service or specification."
    )
    customer = customer_field()
    ordering = ordering_field(ORDER_ORDERINGS)


class OrderListView(ApiView):
    query_serializer_class = OrderQuery
    orderings = ORDER_ORDERINGS

    @extend_schema(
        operation_id="orders_list",
        summary="Orders",
        parameters=[OrderQuery],
        responses=OrderSerializer(many=True),
        examples=[page_example(ORDER_EXAMPLE)],
    )
    def get(self, request):
        customer = acting_customer(request, staff_permission="orders.view_order")
        query = self.query()
        orders = selectors.orders_for_customer(customer=customer, tab=query["status"], search=query["q"])
        orders = orders.annotate(ordered_key=Coalesce("ordered_at", "created_at"))
        return self.list_response(orders, OrderSerializer)


class OrderDetailView(ApiView):
    @extend_schema(
        operation_id="orders_retrieve",
        summary="One order, with its lines, resources and payments",
        parameters=[CUSTOMER_PARAM],
        responses=OrderDetailSerializer,
        examples=[
            OpenApiExample(
                "An order",
                value={**ORDER_EXAMPLE, "line_items": [], "resources": [], "payment_attempts": []},
                response_only=True,
            )
        ],
    )
    def get(self, request, order_id: str):
        customer = acting_customer(request, staff_permission="orders.view_order")
        return Response(OrderDetailSerializer(selectors.order_for_customer(customer=customer, order_id=order_id)).data)


class OrderPayResultSerializer(serializers.Serializer):
    payment = PaymentAttemptSerializer()
    order = OrderSerializer()


class OrderPayView(ApiView):
    @extend_schema(
        operation_id="orders_pay",
        summary="Pay an order waiting for payment",
        description="The customer's own token. At most one payment per order is ever sent; 202 when HUAWEI "
        "CLOUD's answer was lost (the payment is checked before any new one). Refusals carry "
        "`huaweicloud_code`, e.g. CBC.99003108 (budget too small, 422) or CBC.3106 (no longer payable, 409).",
        parameters=[IDEMPOTENCY_PARAM],
        request=OrderPaySerializer,
        responses={200: OrderPayResultSerializer, 202: OrderPayResultSerializer},
        examples=[
            OpenApiExample("Pay with a coupon", value={"coupon_ids": ["CP123456"]}, request_only=True),
            OpenApiExample(
                "Paid",
                value={
                    "payment": PAYMENT_EXAMPLE,
                    "order": {**ORDER_EXAMPLE, "status": 3, "status_label": "Processing"},
                },
                response_only=True,
            ),
        ],
    )
    @idempotent
    def post(self, request, order_id: str):
        customer = own_customer(request)
        order = selectors.order_for_customer(customer=customer, order_id=order_id)
        serializer = OrderPaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attempt = services.order_pay(
                order=order,
                idempotency_key=service_key(request),
                user=request.user,
                discount_id=serializer.validated_data["discount_id"],
                coupon_ids=serializer.validated_data["coupon_ids"],
            )
        except services.PaymentInProgress as exc:
            raise ApiError(exc.message, status_code=409, code="payment_in_progress") from exc
        except services.OrderActionRefused as exc:
            raise refusal(exc, exc.message, default_status=409) from exc
        order = selectors.order_for_customer(customer=customer, order_id=order_id)
        body = OrderPayResultSerializer({"payment": attempt, "order": order}).data
        return Response(body, status=_accepted_or_ok(PaymentAttempt.OPEN, attempt))


class OrderCancelView(ApiView):
    @extend_schema(
        operation_id="orders_cancel",
        summary="Cancel an order waiting for payment",
        description="The customer's own token. Refused (409) while a payment is open or once paid.",
        request=None,
        responses=OrderSerializer,
        examples=[
            OpenApiExample(
                "Canceled", value={**ORDER_EXAMPLE, "status": 4, "status_label": "Canceled"}, response_only=True
            )
        ],
    )
    def post(self, request, order_id: str):
        customer = own_customer(request)
        order = selectors.order_for_customer(customer=customer, order_id=order_id)
        try:
            services.order_cancel(order=order, user=request.user)
        except services.OrderActionRefused as exc:
            raise refusal(exc, exc.message, default_status=409) from exc
        return Response(OrderSerializer(selectors.order_for_customer(customer=customer, order_id=order_id)).data)


# --- resources ---------------------------------------------------------------------------------------

RESOURCE_ORDERINGS = {
    "expires_at": ["expiry_key"],
    "-expires_at": ["-expiry_key"],
    "resource_name": ["resource_name"],
    "-resource_name": ["-resource_name"],
}


class ResourceQuery(serializers.Serializer):
    service = serializers.CharField(required=False, max_length=64, default="", help_text="A service type code.")
    region = serializers.CharField(required=False, max_length=40, default="")
    status = serializers.ChoiceField(choices=Resource.Status.choices, required=False, allow_null=True, default=None)
    expiring = serializers.BooleanField(required=False, default=False, help_text="In use and expiring in 30 days.")
    customer = customer_field()
    ordering = ordering_field(RESOURCE_ORDERINGS)


class ResourceListView(ApiView):
    query_serializer_class = ResourceQuery
    orderings = RESOURCE_ORDERINGS

    @extend_schema(
        operation_id="resources_list",
        summary="Yearly/monthly resources, each with its attached resources",
        parameters=[ResourceQuery],
        responses=ResourceListSerializer(many=True),
        examples=[page_example({**RESOURCE_EXAMPLE, "attached": []})],
    )
    def get(self, request):
        customer = acting_customer(request, staff_permission="orders.view_resource")
        query = self.query()
        resources = resource_selectors.resources_for_customer(
            customer=customer,
            service=query["service"],
            region=query["region"],
            status=query["status"],
            expiring=query["expiring"],
        ).annotate(expiry_key=Coalesce("expires_at", Value(FAR_FUTURE, output_field=DateTimeField())))
        return self.list_response(resources, ResourceListSerializer)


class ResourceDetailView(ApiView):
    @extend_schema(
        operation_id="resources_retrieve",
        summary="One resource",
        parameters=[CUSTOMER_PARAM],
        responses=ResourceSerializer,
        examples=[OpenApiExample("A resource", value=RESOURCE_EXAMPLE, response_only=True)],
    )
    def get(self, request, resource_id: str):
        customer = acting_customer(request, staff_permission="orders.view_resource")
        return Response(
            ResourceSerializer(
                resource_selectors.resource_for_customer(customer=customer, resource_id=resource_id)
            ).data
        )


def _resource_actor(request, *, reason: str):
    """(customer, acted_by): the customer's own token, or staff with `orders.change_resource` acting on the
    customer's request (as in the admin: a reason is required)."""
    if customer_of(request.user) is not None:
        return acting_customer(request, staff_permission="orders.change_resource"), None
    if not is_staff_with(request.user, "orders.change_resource"):
        raise exceptions.PermissionDenied("Changing resources needs the orders.change_resource permission.")
    if not reason.strip():
        raise ApiError("The request has errors; see fields.", fields={"reason": ["Staff give the customer's request."]})
    return acting_customer(request, staff_permission="orders.change_resource"), request.user


class ResourceRenewView(ApiView):
    @extend_schema(
        operation_id="resources_renew",
        summary="Renew resources",
        description="The customer's own token, or staff with `orders.change_resource` (with `?customer=` and a "
        "reason). Renewed once per Idempotency-Key; resources HUAWEI CLOUD refuses are in `failures`. "
        "202 when the answer was lost (checked before any new renewal).",
        parameters=[IDEMPOTENCY_PARAM, CUSTOMER_PARAM],
        request=RenewSerializer,
        responses={200: RenewalSerializer, 202: RenewalSerializer},
        examples=[
            OpenApiExample(
                "Renew for a month, pay now",
                value={"resource_ids": ["9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10"], "period": "2:1", "auto_pay": True},
                request_only=True,
            ),
            OpenApiExample("Renewed", value=RENEWAL_EXAMPLE, response_only=True),
        ],
    )
    @idempotent
    def post(self, request):
        serializer = RenewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer, acted_by = _resource_actor(request, reason=data["reason"])
        resources = resource_selectors.resources_by_ids(customer=customer, resource_ids=data["resource_ids"])
        period_type, period_num = parse_period(data["period"])
        try:
            attempt = resource_services.resources_renew(
                customer=customer,
                resources=resources,
                period_type=period_type,
                period_num=period_num,
                auto_pay=data["auto_pay"],
                idempotency_key=service_key(request),
                quoted_amount=data["quoted_amount"],
                acted_by=acted_by,
                reason=data["reason"],
                request=request,
            )
        except resource_services.ResourceActionRefused as exc:
            raise refusal(exc, exc.message, default_status=409) from exc
        return Response(RenewalSerializer(attempt).data, status=_accepted_or_ok(RenewalAttempt.OPEN, attempt))


class RenewalDetailView(ApiView):
    @extend_schema(
        operation_id="renewals_retrieve",
        summary="One renewal and its outcome",
        parameters=[CUSTOMER_PARAM],
        responses=RenewalSerializer,
        examples=[OpenApiExample("A renewal", value=RENEWAL_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        customer = acting_customer(request, staff_permission="orders.view_renewalattempt")
        return Response(RenewalSerializer(resource_selectors.renewal_for_customer(customer=customer, pk=pk)).data)


class ResourceAutoRenewView(ApiView):
    @extend_schema(
        operation_id="resources_auto_renew",
        summary="Switch a resource's auto-renewal on or off",
        description="The customer's own token, or staff with `orders.change_resource` (with `?customer=` and a reason).",
        parameters=[CUSTOMER_PARAM],
        request=AutoRenewSerializer,
        responses=ResourceSerializer,
        examples=[
            OpenApiExample("Monthly, no limit", value={"enabled": True, "period": "MONTH"}, request_only=True),
            OpenApiExample(
                "Auto-renewal on",
                value={**RESOURCE_EXAMPLE, "expire_policy": 3, "auto_renew": True},
                response_only=True,
            ),
        ],
    )
    def post(self, request, resource_id: str):
        serializer = AutoRenewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer, acted_by = _resource_actor(request, reason=data["reason"])
        resource = resource_selectors.resource_for_customer(customer=customer, resource_id=resource_id)
        try:
            resource = resource_services.resource_autorenew_set(
                resource=resource,
                enabled=data["enabled"],
                period=data["period"],
                times=data["times"],
                acted_by=acted_by,
                reason=data["reason"],
                request=request,
            )
        except resource_services.ResourceActionRefused as exc:
            raise refusal(exc, exc.message, default_status=409) from exc
        return Response(ResourceSerializer(resource).data)


class ResourceUnsubscribeView(ApiView):
    @extend_schema(
        operation_id="resources_unsubscribe",
        summary="Unsubscribe resources (they are deleted)",
        description="The customer's own token only, as on the pages. Once per Idempotency-Key; cannot be undone.",
        parameters=[IDEMPOTENCY_PARAM],
        request=UnsubscribeSerializer,
        responses={200: UnsubscriptionSerializer, 202: UnsubscriptionSerializer},
        examples=[
            OpenApiExample(
                "Unsubscribe one server",
                value={"resource_ids": ["9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10"], "confirm": True, "reason_type": 5},
                request_only=True,
            ),
            OpenApiExample(
                "Unsubscribed",
                value={
                    "id": 3,
                    "status": "done",
                    "status_label": "Accepted by HUAWEI CLOUD",
                    "resource_ids": ["9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10"],
                    "resource_names": {"9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10": "web-1"},
                    "estimated_refund": "20.00",
                    "refund_amount": None,
                    "order_ids": ["CS2605011400UNSUB"],
                    "failures": [],
                    "error_code": "",
                    "error_message": "",
                    "created_at": "2026-05-01T14:00:00Z",
                    "finished_at": "2026-05-01T14:00:02Z",
                },
                response_only=True,
            ),
        ],
    )
    @idempotent
    def post(self, request):
        customer = own_customer(request)
        serializer = UnsubscribeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        resources = resource_selectors.resources_by_ids(customer=customer, resource_ids=data["resource_ids"])
        try:
            unsubscription = resource_services.resources_unsubscribe(
                customer=customer,
                resources=resources,
                idempotency_key=service_key(request),
                estimated_refund=data["estimated_refund"],
                reason_type=data["reason_type"],
                reason=data["reason"],
                request=request,
            )
        except resource_services.ResourceActionRefused as exc:
            raise refusal(exc, exc.message, default_status=409) from exc
        return Response(
            UnsubscriptionSerializer(unsubscription).data, status=_accepted_or_ok(Unsubscription.OPEN, unsubscription)
        )


class UnsubscriptionDetailView(ApiView):
    @extend_schema(
        operation_id="unsubscriptions_retrieve",
        summary="One unsubscription and its refunds",
        parameters=[CUSTOMER_PARAM],
        responses=UnsubscriptionSerializer,
    )
    def get(self, request, pk: int):
        customer = acting_customer(request, staff_permission="orders.view_unsubscription")
        unsubscription = resource_selectors.unsubscription_for_customer(customer=customer, pk=pk)
        return Response(UnsubscriptionSerializer(unsubscription).data)


ON_DEMAND_ORDERINGS = {
    "resource_name": ["resource_name"],
    "-resource_name": ["-resource_name"],
    "-created_at": ["-created_at"],
}


class OnDemandQuery(serializers.Serializer):
    customer = customer_field()
    ordering = ordering_field(ON_DEMAND_ORDERINGS)


class OnDemandListView(ApiView):
    query_serializer_class = OnDemandQuery
    orderings = ON_DEMAND_ORDERINGS

    @extend_schema(
        operation_id="pay_per_use_resources_list",
        summary="Pay-per-use resources, with this month's cost",
        parameters=[OnDemandQuery],
        responses=OnDemandResourceSerializer(many=True),
        examples=[
            page_example(
                {
                    "resource_id": "eip-7c2d",
                    "resource_name": "eip-web",
                    "region_code": "ap-southeast-1",
                    "service_type_code": "hws.service.type.vpc",
                    "service_type_name": "Virtual Private Cloud",
                    "resource_type_name": "EIP",
                    "product_spec_desc": "5 Mbit/s",
                    "status": 1,
                    "status_label": "Normal",
                    "effective_at": "2026-04-11T00:00:00Z",
                    "expires_at": None,
                    "cost_cycle": "2026-05",
                    "cost_this_month": "3.10",
                    "synced_at": "2026-05-01T11:41:00Z",
                }
            )
        ],
    )
    def get(self, request):
        customer = acting_customer(request, staff_permission="orders.view_ondemandresource")
        self.query()
        return self.list_response(
            resource_selectors.on_demand_for_customer(customer=customer), OnDemandResourceSerializer
        )


class UsageQuery(UsageQuerySerializer):
    customer = customer_field()


class UsageView(ApiView):
    query_serializer_class = UsageQuery

    @extend_schema(
        operation_id="usage_retrieve",
        summary="A month's usage and fees, per resource or per day, with totals per service",
        description="Read from HUAWEI CLOUD (503 when it does not answer).",
        parameters=[UsageQuery],
        responses=UsageSerializer,
        examples=[
            OpenApiExample(
                "May",
                value={
                    "cycle": "2026-05",
                    "by": "cycle",
                    "total": "162.1000",
                    "monthly_sum": "162.1000",
                    "currency": "USD",
                    "truncated": False,
                    "services": [
                        {"code": "hws.service.type.ec2", "name": "Elastic Cloud Server", "amount": "162.1000"}
                    ],
                    "days": ["2026-05-01"],
                    "daily_total": ["5.2300"],
                    "records": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        customer = acting_customer(request, staff_permission="orders.view_resource")
        query = self.query()
        cycle = query.get("month") or resource_services.current_cycle()
        month = usage.month_usage(customer=customer, cycle=cycle, by=query["by"], service=query["service"])
        return Response(UsageSerializer(month).data)
