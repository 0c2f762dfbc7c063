"""Who am I, customers (real-name state and budget), budgets, sync runs, the audit log."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from api.exceptions import ApiError, refusal
from api.models import ApiToken
from api.permissions import StaffPermission, customer_of, is_staff_with
from api.serializers.customers import (
    AuditEntrySerializer,
    BudgetSerializer,
    BudgetSetSerializer,
    CustomerSerializer,
    MeSerializer,
    SyncRunSerializer,
)
from api.views.base import ApiView, ordering_field
from customers import budgets
from customers.models import Customer, SyncRun
from huaweicloud.errors import CloudError
from partner_portal import audit
from partner_portal.models import AuditEntry

CUSTOMER_EXAMPLE = {
    "id": 12,
    "account_name": "acme-shop",
    "email": "ops@acme.example",
    "customer_id": "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
    "binding": "bound",
    "is_frozen": False,
    "associated": True,
    "real_name": {"status": "2", "status_label": "Authenticated", "name": "ACME Ltd", "customer_type": 1},
    "budget": {
        "amount": "1000.00",
        "used": "420.50",
        "used_percent": 42,
        "budget_type": "MONTHLY",
        "freeze_at_limit": False,
        "refreshed_at": "2026-05-01T08:07:00Z",
        "currency": "USD",
    },
    "created_at": "2026-03-02T10:00:00Z",
}


def page_example(item: dict, name: str = "A page") -> OpenApiExample:
    return OpenApiExample(name, value={"next": None, "results": [item]}, response_only=True)


class MeView(ApiView):
    @extend_schema(
        operation_id="me",
        summary="Who the token belongs to",
        responses=MeSerializer,
        examples=[
            OpenApiExample(
                "A customer's token",
                value={
                    "username": "acme-shop",
                    "is_staff": False,
                    "groups": [],
                    "customer": CUSTOMER_EXAMPLE,
                    "token_prefix": "pp_Xy3kQ9aB",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        user = request.user
        return Response(
            MeSerializer(
                {
                    "username": user.get_username(),
                    "is_staff": user.is_staff,
                    "groups": sorted(user.groups.values_list("name", flat=True)),
                    "customer": customer_of(user),
                    "token_prefix": request.auth.prefix if isinstance(request.auth, ApiToken) else None,
                }
            ).data
        )


def visible_customers(request):
    """A customer sees its own row; staff with view_customer see all; anyone else nothing (403)."""
    own = customer_of(request.user)
    if own is not None:
        return Customer.objects.filter(pk=own.pk)
    if is_staff_with(request.user, "customers.view_customer"):
        return Customer.objects.all()
    raise exceptions.PermissionDenied("This account has no customer profile and no staff permission for this.")


def visible_customer(request, pk: int) -> Customer:
    customer = visible_customers(request).filter(pk=pk).first()
    if customer is None:
        raise exceptions.NotFound("No such customer.")
    return customer


CUSTOMER_ORDERINGS = {
    "-created_at": ["-created_at"],
    "created_at": ["created_at"],
    "account_name": ["account_name"],
    "-account_name": ["-account_name"],
}


class CustomerQuery(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, help_text="Part of the account name or email.")
    real_name_status = serializers.ChoiceField(choices=Customer.RealNameStatus.choices, required=False)
    binding = serializers.ChoiceField(choices=Customer.Binding.choices, required=False)
    is_frozen = serializers.BooleanField(required=False, allow_null=True, default=None)
    associated = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = ordering_field(CUSTOMER_ORDERINGS)


class CustomerListView(ApiView):
    query_serializer_class = CustomerQuery
    orderings = CUSTOMER_ORDERINGS

    @extend_schema(
        operation_id="customers_list",
        summary="Customers, with their real-name state and budget",
        description="A customer's token lists that customer only; staff need `customers.view_customer`.",
        parameters=[CustomerQuery],
        responses=CustomerSerializer(many=True),
        examples=[page_example(CUSTOMER_EXAMPLE)],
    )
    def get(self, request):
        query = self.query()
        customers = visible_customers(request)
        if query.get("q"):
            customers = customers.filter(Q(account_name__icontains=query["q"]) | Q(email__icontains=query["q"]))
        for name in ("real_name_status", "binding"):
            if query.get(name):
                customers = customers.filter(**{name: query[name]})
        for name in ("is_frozen", "associated"):
            if query.get(name) is not None:
                customers = customers.filter(**{name: query[name]})
        return self.list_response(customers, CustomerSerializer)


class CustomerDetailView(ApiView):
    @extend_schema(
        operation_id="customers_retrieve",
        summary="One customer",
        responses=CustomerSerializer,
        examples=[OpenApiExample("A customer", value=CUSTOMER_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        return Response(CustomerSerializer(visible_customer(request, pk)).data)


BUDGET_EXAMPLE = CUSTOMER_EXAMPLE["budget"]


class BudgetQuery(serializers.Serializer):
    refresh = serializers.BooleanField(
        required=False, default=False, help_text="Staff: read it from HUAWEI CLOUD first (else our copy)."
    )


class CustomerBudgetView(ApiView):
    query_serializer_class = BudgetQuery

    @extend_schema(
        operation_id="budget_retrieve",
        summary="A customer's budget and usage",
        parameters=[BudgetQuery],
        responses=BudgetSerializer,
        examples=[OpenApiExample("A budget", value=BUDGET_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        if self.query()["refresh"] and is_staff_with(request.user, "customers.view_customer"):
            try:
                budgets.budget_refresh(customer=customer)
            except budgets.CustomerNotBound:
                raise ApiError(
                    "This customer has no HUAWEI CLOUD account yet.", status_code=409, code="not_bound"
                ) from None
        return Response(BudgetSerializer(customer).data)

    @extend_schema(
        operation_id="budget_set",
        summary="Set a customer's budget",
        description="Staff with `customers.change_budget` (Operations). Sent to HUAWEI CLOUD, then kept here; "
        "every attempt is in the audit log. `based_on` must be the budget you saw: 409 if it changed meanwhile.",
        request=BudgetSetSerializer,
        responses=BudgetSerializer,
        examples=[
            OpenApiExample(
                "Raise the budget",
                value={
                    "amount": "1500.00",
                    "budget_type": "MONTHLY",
                    "freeze_at_limit": False,
                    "reason": "Customer asked for more for the May campaign (ticket 4411).",
                    "based_on": "1000.00",
                },
                request_only=True,
            ),
            OpenApiExample("The new budget", value={**BUDGET_EXAMPLE, "amount": "1500.00"}, response_only=True),
        ],
    )
    def put(self, request, pk: int):
        customer = visible_customer(request, pk)
        if not is_staff_with(request.user, "customers.change_budget"):
            audit.record(
                action="budget.set",
                outcome=audit.Outcome.DENIED,
                request=request,
                obj=customer,
                after={
                    "budget_amount": str(request.data.get("amount", ""))[:32] if isinstance(request.data, dict) else ""
                },
            )
            raise exceptions.PermissionDenied("Setting budgets needs the customers.change_budget permission.")
        serializer = BudgetSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            customer = budgets.budget_set(
                customer=customer,
                amount=data["amount"],
                based_on=data["based_on"],
                budget_type=data["budget_type"],
                freeze_at_limit=data["freeze_at_limit"],
                reason=data["reason"],
                request=request,
            )
        except budgets.BudgetChangedMeanwhile as exc:
            raise ApiError(
                f"The budget was changed meanwhile: it is now {exc.current if exc.current is not None else 'not set'}. "
                "Nothing was sent to HUAWEI CLOUD; send it again with that value as based_on.",
                status_code=409,
                code="changed_meanwhile",
                fields={"based_on": [f"Now {exc.current}." if exc.current is not None else "Now null."]},
            ) from exc
        except budgets.CustomerNotBound:
            raise ApiError(
                "This customer has no HUAWEI CLOUD account yet.", status_code=409, code="not_bound"
            ) from None
        except CloudError as exc:
            # The budget's own words for HUAWEI CLOUD's answer, with its code.
            raise refusal(exc, budgets.cloud_error_message(exc)) from exc
        return Response(BudgetSerializer(customer).data)


SYNC_ORDERINGS = {"-started_at": ["-started_at"], "started_at": ["started_at"]}


class SyncRunQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SyncRun.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=SyncRun.Status.choices, required=False)
    ordering = ordering_field(SYNC_ORDERINGS)


SYNC_RUN_EXAMPLE = {
    "id": 310,
    "kind": "customers",
    "status": "succeeded",
    "started_at": "2026-05-01T08:00:00Z",
    "finished_at": "2026-05-01T08:00:41Z",
    "heartbeat_at": "2026-05-01T08:00:41Z",
    "attempts": 1,
    "total": 1200,
    "seen": 1200,
    "created": 3,
    "updated": 17,
    "unchanged": 1180,
    "disassociated": 0,
    "conflicts": 0,
    "error": "",
}


class SyncRunListView(ApiView):
    permission_classes = [StaffPermission]
    staff_permission = "customers.view_syncrun"
    query_serializer_class = SyncRunQuery
    orderings = SYNC_ORDERINGS

    @extend_schema(
        operation_id="sync_runs_list",
        summary="Sync runs (customers and budgets from HUAWEI CLOUD)",
        description="Staff with `customers.view_syncrun`.",
        parameters=[SyncRunQuery],
        responses=SyncRunSerializer(many=True),
        examples=[page_example(SYNC_RUN_EXAMPLE)],
    )
    def get(self, request):
        query = self.query()
        runs = SyncRun.objects.all()
        for name in ("kind", "status"):
            if query.get(name):
                runs = runs.filter(**{name: query[name]})
        return self.list_response(runs, SyncRunSerializer)


class SyncStatusSerializer(serializers.Serializer):
    customers = SyncRunSerializer(allow_null=True)
    budgets = SyncRunSerializer(allow_null=True)


class SyncStatusView(ApiView):
    permission_classes = [StaffPermission]
    staff_permission = "customers.view_syncrun"

    @extend_schema(
        operation_id="sync_status",
        summary="The latest sync run of each kind",
        responses=SyncStatusSerializer,
        examples=[
            OpenApiExample(
                "Sync status",
                value={"customers": SYNC_RUN_EXAMPLE, "budgets": {**SYNC_RUN_EXAMPLE, "id": 311, "kind": "budgets"}},
                response_only=True,
            )
        ],
    )
    def get(self, request):
        latest = {
            kind: SyncRun.objects.filter(kind=kind).order_by("-started_at", "-pk").first() for kind in SyncRun.Kind
        }
        return Response(SyncStatusSerializer({"customers": latest["customers"], "budgets": latest["budgets"]}).data)


AUDIT_ORDERINGS = {"-at": ["-at"], "at": ["at"]}


class AuditQuery(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=64, help_text='e.g. "budget.set", or "budget." for all.')
    outcome = serializers.ChoiceField(choices=AuditEntry.Outcome.choices, required=False)
    object_type = serializers.CharField(required=False, max_length=100, help_text='e.g. "customers.customer".')
    object_id = serializers.CharField(required=False, max_length=64)
    actor = serializers.CharField(required=False, max_length=150, help_text="The username.")
    ordering = ordering_field(AUDIT_ORDERINGS)


class AuditLogView(ApiView):
    permission_classes = [StaffPermission]
    staff_permission = "partner_portal.view_auditentry"
    query_serializer_class = AuditQuery
    orderings = AUDIT_ORDERINGS

    @extend_schema(
        operation_id="audit_log_list",
        summary="The audit log",
        description="Staff with `partner_portal.view_auditentry` (Operations, Finance).",
        parameters=[AuditQuery],
        responses=AuditEntrySerializer(many=True),
        examples=[
            page_example(
                {
                    "id": 9001,
                    "at": "2026-05-01T09:12:00Z",
                    "actor_name": "ops-anna",
                    "action": "budget.set",
                    "outcome": "ok",
                    "object_type": "customers.customer",
                    "object_id": "12",
                    "object_repr": "acme-shop",
                    "before": {"budget_amount": "1000.00"},
                    "after": {"budget_amount": "1500.00"},
                    "reason": "May campaign",
                    "message": "",
                    "ip": "203.0.113.7",
                }
            )
        ],
    )
    def get(self, request):
        query = self.query()
        entries = AuditEntry.objects.all()
        if query.get("action"):
            action = query["action"]
            entries = (
                entries.filter(action__startswith=action) if action.endswith(".") else entries.filter(action=action)
            )
        for name in ("outcome", "object_type", "object_id"):
            if query.get(name):
                entries = entries.filter(**{name: query[name]})
        if query.get("actor"):
            entries = entries.filter(actor_name=query["actor"])
        return self.list_response(entries, AuditEntrySerializer)
