"""Finance's work on a cycle: the cycle page's actions and its ingest runs, the reconciliation's
drill-down and bill lines, rating rules with their preview, exports (XLSX jobs, streamed CSV).

Finance staff and superusers only (FinancePermission), as the Finance pages. Each action calls the
page's service (billing.services), each read the page's selector, the rule form the page's form; what
a repeated call does is that service's own guard, said in each operation's description.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.exceptions import ApiError
from api.idempotency import idempotent
from api.permissions import FinancePermission
from api.serializers.billing import PartnerBillDetailSerializer, cycle_field
from api.serializers.finance import (
    BillLineSerializer,
    CustomerServicesSerializer,
    DraftResultSerializer,
    ExportJobSerializer,
    ExportRequestSerializer,
    IngestRunStatusSerializer,
    MonthlySumsResultSerializer,
    PreviewSerializer,
    RateResultSerializer,
    RatingRuleInputSerializer,
    RatingRulePreviewInputSerializer,
    RatingRuleSerializer,
)
from api.views.base import ApiView, FileRenderer, FileView, download_schema, ordering_field
from api.views.billing import CYCLE_PATH, PARTNER_BILL_EXAMPLE, RUN_EXAMPLE, valid_cycle
from api.views.customers import page_example
from api.views.orders import IDEMPOTENCY_PARAM
from billing import exports, rating, selectors, services
from billing.models import ExportJob, IngestRun, RatingRule


def not_ready(exc: services.NotReady) -> ApiError:
    return ApiError(exc.user_message, status_code=status.HTTP_409_CONFLICT, code="not_ready")


def known_cycle(raw: str) -> str:
    """A cycle from the path that Finance knows (a partner bill or lines): a 400 or 404 otherwise."""
    cycle = valid_cycle(raw)
    if not selectors.cycle_known(cycle=cycle):
        raise exceptions.NotFound("Finance has neither the partner bill nor lines of this cycle.")
    return cycle


# --- the cycle page's actions --------------------------------------------------------------------

RUN_STATUS_EXAMPLE = {
    "cycle": "2026-09",
    **RUN_EXAMPLE,
    "url": "https://portal.example.com/api/v1/ingest-runs/31/",
}
WAITING_RUN_EXAMPLE = {
    **RUN_STATUS_EXAMPLE,
    "status": "running",
    "status_label": "Running",
    "parts_done": 0,
    "rows_done": 0,
    "rows_changed": None,
    "bytes_read": 0,
    "bytes_total": None,
    "percent": 0,
    "attempts": 0,
    "started_at": "2026-10-05T04:10:00Z",
    "finished_at": None,
}


class PartnerBillSyncView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="partner_bills_sync",
        summary="Read a month's partner bill from HUAWEI CLOUD",
        description='Finance staff, as the cycle page\'s "Sync the partner bill" (`list_postpaid_bill_sum`). '
        "Safe to repeat: the bill is stored once per cycle and updated to HUAWEI CLOUD's figures. Before "
        "12:00 Beijing time on the 5th of the next month HUAWEI CLOUD has no bill yet: its refusal, with "
        "`huaweicloud_code`; 503 when it does not answer.",
        parameters=[CYCLE_PATH],
        request=None,
        responses=PartnerBillDetailSerializer,
        examples=[
            OpenApiExample(
                "Synced",
                value={**PARTNER_BILL_EXAMPLE, "runs": [RUN_EXAMPLE], "customer_bills": {"draft": 0, "issued": 0}},
                response_only=True,
            )
        ],
    )
    def post(self, request, cycle: str):
        cycle = valid_cycle(cycle)
        services.partner_bill_sync(cycle=cycle)
        return Response(PartnerBillDetailSerializer(selectors.partner_bill_overview(cycle=cycle)).data)


class PartnerBillIngestView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="partner_bills_ingest",
        summary="Load a month's bill file (in the background)",
        description='Finance staff, as the cycle page\'s "Load the bill file": a worker loads '
        "customerBill_YYYYMM.tar.gz from the partner's OBS bucket, then checks the monthly sums and rates "
        "the lines. 202 with the ingest run at once; poll its `url` (`Location`) until `status` is "
        "`succeeded` or `failed` (a missing or bad file, with the reason). Safe to repeat: while the cycle "
        "has an open run the same run is answered and nothing loads twice; loading a loaded file again "
        "changes no line (`rows_changed` 0).",
        parameters=[
            CYCLE_PATH,
            OpenApiParameter(
                "Location",
                str,
                OpenApiParameter.HEADER,
                response=[202],
                required=True,
                description="The ingest run to poll (its `url`).",
            ),
        ],
        request=None,
        responses={202: IngestRunStatusSerializer},
        examples=[OpenApiExample("Waiting for a worker", value=WAITING_RUN_EXAMPLE, response_only=True)],
    )
    def post(self, request, cycle: str):
        run = services.bill_file_load(cycle=valid_cycle(cycle), user=request.user)
        run.refresh_from_db()  # a worker may have taken it already (always, with tasks run eagerly)
        body = IngestRunStatusSerializer(run, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class IngestRunDetailView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="ingest_runs_retrieve",
        summary="One load of a bill file: its progress",
        description="Finance staff. What the cycle page's progress card shows: parts and rows staged, bytes "
        "read, percent, and once finished the lines changed or the reason the file was refused (part and line).",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The ingest run's id.")],
        responses=IngestRunStatusSerializer,
        examples=[OpenApiExample("Done", value=RUN_STATUS_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        run = get_object_or_404(IngestRun, pk=pk)
        return Response(IngestRunStatusSerializer(run, context={"request": request}).data)


class CycleActionView(ApiView):
    """A cycle page action that answers what it did: `{"cycle": ..., **act()}` in `result_serializer`."""

    permission_classes = [FinancePermission]
    result_serializer: type[serializers.Serializer]

    def act(self, cycle: str) -> dict:
        raise NotImplementedError

    def post(self, request, cycle: str):
        cycle = valid_cycle(cycle)
        try:
            result = self.act(cycle)
        except services.NotReady as exc:
            raise not_ready(exc) from exc
        return Response(self.result_serializer({"cycle": cycle, **result}).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="partner_bills_monthly_sums",
        summary="Check the cycle's lines against each customer's monthly sum",
        description='Finance staff, as the cycle page\'s "Check monthly sums": each customer with lines has '
        "its monthly sum read from HUAWEI CLOUD (`show_customer_monthly_sum`) and kept beside the sum of its "
        "lines; differences show in the reconciliation. Safe to repeat: one sum per customer and cycle, "
        "updated. 503 when HUAWEI CLOUD does not answer (the sums read until then are kept).",
        parameters=[CYCLE_PATH],
        request=None,
        responses=MonthlySumsResultSerializer,
        examples=[
            OpenApiExample("Checked", value={"cycle": "2026-09", "checked": 14, "mismatched": 0}, response_only=True)
        ],
    )
)
class MonthlySumsView(CycleActionView):
    result_serializer = MonthlySumsResultSerializer

    def act(self, cycle: str) -> dict:
        sums = services.monthly_sums_check(cycle=cycle)
        return {"checked": len(sums), "mismatched": sum(1 for row in sums if not row.matches)}


@extend_schema_view(
    post=extend_schema(
        operation_id="partner_bills_rate",
        summary="Price the cycle's lines with the current rating rules",
        description='Finance staff, as the cycle page\'s "Rate". Safe to repeat: the same rules give the same '
        "prices. Needed again after any rule changes, before drafts are made. 409 (`not_ready`, with the "
        "reason) until a whole bill file of the cycle is loaded.",
        parameters=[CYCLE_PATH],
        request=None,
        responses=RateResultSerializer,
        examples=[OpenApiExample("Rated", value={"cycle": "2026-09", "rated": 2400}, response_only=True)],
    )
)
class RateView(CycleActionView):
    result_serializer = RateResultSerializer

    def act(self, cycle: str) -> dict:
        return {"rated": services.cycle_rate(cycle=cycle)}


@extend_schema_view(
    post=extend_schema(
        operation_id="partner_bills_draft",
        summary="Make the cycle's draft customer bills from the rated lines",
        description='Finance staff, as the cycle page\'s "Make drafts": one draft per customer with lines, '
        "plus fees and adjustments; a customer with an issued bill gets the next version. Repeating it makes "
        "the drafts anew from the lines as they are (the old drafts are replaced, with new ids); issued bills "
        "never change. Issue them with `customer_bills_issue_cycle`. 409 (`not_ready`, with the reason) "
        "until a whole bill file is loaded and its lines are rated with the current rules.",
        parameters=[CYCLE_PATH],
        request=None,
        responses=DraftResultSerializer,
        examples=[OpenApiExample("Drafted", value={"cycle": "2026-09", "drafts": 14}, response_only=True)],
    )
)
class DraftView(CycleActionView):
    result_serializer = DraftResultSerializer

    def act(self, cycle: str) -> dict:
        return {"drafts": services.customer_bills_draft(cycle=cycle)}


# --- reconciliation drill-down and lines ---------------------------------------------------------

CUSTOMER_ID_EXAMPLE = "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a"
SERVICE_EXAMPLE = {
    "service_type_code": "hws.service.type.ec2",
    "service_type_name": "Elastic Cloud Server",
    "line_count": 120,
    "official": "980.00",
    "cost": "842.80",
    "rated": "1078.00",
    "margin": "235.20",
}


class CustomerServicesView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="partner_bills_reconciliation_customer",
        summary="One customer's lines of a cycle, by service",
        description="Finance staff: the reconciliation page's drill-down into a customer, with the official "
        "price, cost, our price and margin per service. The lines themselves: `partner_bills_lines` with "
        "`customer_id` and `service_type_code`. 404 when the customer has no lines in the cycle.",
        parameters=[
            CYCLE_PATH,
            OpenApiParameter(
                "customer_id",
                str,
                OpenApiParameter.PATH,
                description="HUAWEI CLOUD's customer id (the lines' Customer ID).",
                examples=[OpenApiExample("A customer", value=CUSTOMER_ID_EXAMPLE)],
            ),
        ],
        responses=CustomerServicesSerializer,
        examples=[
            OpenApiExample(
                "Services",
                value={"cycle": "2026-09", "customer_id": CUSTOMER_ID_EXAMPLE, "services": [SERVICE_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, cycle: str, customer_id: str):
        cycle = valid_cycle(cycle)
        rows = selectors.customer_services(cycle=cycle, customer_id=customer_id)
        if not rows:
            raise exceptions.NotFound("This customer has no lines in this cycle.")
        return Response(CustomerServicesSerializer({"cycle": cycle, "customer_id": customer_id, "services": rows}).data)


LINE_ORDERINGS = {"line_id": ["line_id"], "-consume_amount": ["-consume_amount"], "bill_date": ["bill_date"]}
LINE_EXAMPLE = {
    "cycle": "2026-09",
    "line_id": "202609000010000",
    "customer_id": CUSTOMER_ID_EXAMPLE,
    "account_name": "demo-customer",
    "bill_date": "2026-09-01",
    "bill_type": 1,
    "charge_mode": 3,
    "service_type_code": "hws.service.type.ec2",
    "resource_type_name": "ECS",
    "region": "ap-southeast-1",
    "resource_id": "9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10",
    "resource_name": "web-1",
    "usage": "24.0000",
    "usage_unit": "Hour",
    "unit_price": "0.0850",
    "official_amount": "2.04",
    "discount_amount": "0.31",
    "truncated_amount": "0.00",
    "consume_amount": "1.73",
    "rated_amount": "2.24",
    "rule_id": 1,
    "service_type_name": "Elastic Cloud Server",
    "kind": 1,
    "kind_label": "Consumption",
}


class BillLineQuery(serializers.Serializer):
    customer_id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="HUAWEI CLOUD's customer id."
    )
    service_type_code = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="e.g. hws.service.type.ec2."
    )
    ordering = ordering_field(LINE_ORDERINGS)


class BillLineListView(ApiView):
    permission_classes = [FinancePermission]
    query_serializer_class = BillLineQuery
    orderings = LINE_ORDERINGS

    @extend_schema(
        operation_id="partner_bills_lines",
        summary="The lines of a cycle's bill file, with our price",
        description="Finance staff: the lines the reconciliation page lists for a customer and service "
        "(`customer_id`, `service_type_code`; either, both or neither). 404 when Finance has neither the "
        "partner bill nor lines of the cycle.",
        parameters=[CYCLE_PATH, BillLineQuery],
        responses=BillLineSerializer(many=True),
        examples=[page_example(LINE_EXAMPLE)],
    )
    def get(self, request, cycle: str):
        cycle = known_cycle(cycle)
        query = self.query()
        lines = selectors.lines_for(
            cycle=cycle, customer_id=query.get("customer_id"), service_type_code=query.get("service_type_code")
        )
        return self.list_response(lines, BillLineSerializer)


# --- rating rules --------------------------------------------------------------------------------

RULE_ID_PATH = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The rating rule's id.")
RULE_INPUT_EXAMPLE = {
    "kind": "percent",
    "customer_id": CUSTOMER_ID_EXAMPLE,
    "service_type_code": "hws.service.type.ec2",
    "percent": "-5.00",
    "description": "5 % off servers",
    "valid_from": "2026-09-01",
    "valid_to": None,
}
RULE_EXAMPLE = {
    "id": 3,
    **RULE_INPUT_EXAMPLE,
    "kind_label": "Markup or discount",
    "amount": "0.00",
    "created_at": "2026-09-01T08:00:00Z",
    "updated_at": "2026-09-01T08:00:00Z",
}
RULES_CHANGED = "Kept in the audit log. Rated cycles must be rated again before drafts are made."
RULE_ORDERINGS = {
    "kind": ["kind", "customer_id", "service_type_code", "-valid_from"],
    "-updated_at": ["-updated_at"],
}


class RatingRuleQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RatingRule.Kind.choices, required=False)
    ordering = ordering_field(RULE_ORDERINGS)


def _rule(pk: int) -> RatingRule:
    return get_object_or_404(RatingRule, pk=pk)


class RatingRuleListView(ApiView):
    permission_classes = [FinancePermission]
    query_serializer_class = RatingRuleQuery
    orderings = RULE_ORDERINGS

    @extend_schema(
        operation_id="rating_rules_list",
        summary="The partner's rating rules (the price policy)",
        description="Finance staff, as the rating rules page: markups and discounts (percent), fixed monthly "
        "fees and one-off adjustments, for one customer and/or service or for all. The most specific "
        "percent rule wins: customer and service, customer, service, then the default.",
        parameters=[RatingRuleQuery],
        responses=RatingRuleSerializer(many=True),
        examples=[page_example(RULE_EXAMPLE)],
    )
    def get(self, request):
        query = self.query()
        rules = RatingRule.objects.all()
        if query.get("kind"):
            rules = rules.filter(kind=query["kind"])
        return self.list_response(rules, RatingRuleSerializer)

    @extend_schema(
        operation_id="rating_rules_create",
        summary="Add a rating rule",
        description=f"Finance staff, as the rating rules page's form, checked by the same rules. {RULES_CHANGED} "
        "The same Idempotency-Key again replays the first answer instead of adding a second rule.",
        parameters=[IDEMPOTENCY_PARAM],
        request=RatingRuleInputSerializer,
        responses={201: RatingRuleSerializer},
        examples=[
            OpenApiExample("5 % off a customer's servers", value=RULE_INPUT_EXAMPLE, request_only=True),
            OpenApiExample(
                "A monthly support fee",
                value={"kind": "fixed_fee", "amount": "25.00", "description": "Support", "valid_from": "2026-01-01"},
                request_only=True,
            ),
            OpenApiExample("Added", value=RULE_EXAMPLE, response_only=True),
        ],
    )
    @idempotent
    def post(self, request):
        serializer = RatingRuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.rating_rule_save(rule=serializer.validated_data["rule"], user=request.user, request=request)
        return Response(RatingRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RatingRuleDetailView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="rating_rules_retrieve",
        summary="One rating rule",
        parameters=[RULE_ID_PATH],
        responses=RatingRuleSerializer,
        examples=[OpenApiExample("A rule", value=RULE_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        return Response(RatingRuleSerializer(_rule(pk)).data)

    @extend_schema(
        operation_id="rating_rules_update",
        summary="Change a rating rule",
        description="Finance staff, as the rating rules page's form: the fields sent change, the others stay; "
        f"the rule as changed is checked by the form's rules. {RULES_CHANGED} Sending the same change again "
        "changes nothing more.",
        parameters=[RULE_ID_PATH],
        request=RatingRuleInputSerializer,
        responses=RatingRuleSerializer,
        examples=[
            OpenApiExample("End it", value={"valid_to": "2026-12-31"}, request_only=True),
            OpenApiExample("Changed", value={**RULE_EXAMPLE, "valid_to": "2026-12-31"}, response_only=True),
        ],
    )
    def patch(self, request, pk: int):
        serializer = RatingRuleInputSerializer(_rule(pk), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        rule = services.rating_rule_save(rule=serializer.validated_data["rule"], user=request.user, request=request)
        return Response(RatingRuleSerializer(rule).data)

    @extend_schema(
        operation_id="rating_rules_destroy",
        summary="Delete a rating rule",
        description=f"Finance staff, as the rating rules page's Delete. {RULES_CHANGED} Bills already issued "
        "keep the rules they were issued with. Again: 404.",
        parameters=[RULE_ID_PATH],
        request=None,
        responses={204: None},
    )
    def delete(self, request, pk: int):
        services.rating_rule_delete(rule=_rule(pk), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


PREVIEW_EXAMPLE = {
    "cycle": "2026-09",
    "customers": 14,
    "before": "20511.90",
    "after": "20470.36",
    "change": "-41.54",
    "rows": [
        {
            "customer_id": CUSTOMER_ID_EXAMPLE,
            "account_name": "demo-customer",
            "official": "980.00",
            "before": "1390.00",
            "after": "1348.46",
            "change": "-41.54",
        }
    ],
}
PREVIEW_DESCRIPTION = (
    "Finance staff, as the rating rules page's Preview: what saving the rule would do to each customer's "
    "bill (lines, fees and adjustments) of `preview_cycle` (empty: the latest closed cycle). Nothing is "
    "saved; a rule the form refuses is a 400 with its fields."
)


def _preview(serializer: RatingRulePreviewInputSerializer) -> Response:
    serializer.is_valid(raise_exception=True)
    cycle = serializer.validated_data["preview_cycle"] or services.latest_closed_cycle()
    return Response(PreviewSerializer(rating.preview(cycle=cycle, rule=serializer.validated_data["rule"])).data)


class RatingRulePreviewView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="rating_rules_preview",
        summary="Preview a new rating rule on a cycle",
        description=PREVIEW_DESCRIPTION,
        request=RatingRulePreviewInputSerializer,
        responses=PreviewSerializer,
        examples=[
            OpenApiExample(
                "5 % off on September", value={**RULE_INPUT_EXAMPLE, "preview_cycle": "2026-09"}, request_only=True
            ),
            OpenApiExample("What it does", value=PREVIEW_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request):
        return _preview(RatingRulePreviewInputSerializer(data=request.data))


class RatingRuleChangePreviewView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="rating_rules_update_preview",
        summary="Preview a change of a rating rule on a cycle",
        description=f"{PREVIEW_DESCRIPTION} The fields sent change the rule as `rating_rules_update` would.",
        parameters=[RULE_ID_PATH],
        request=RatingRulePreviewInputSerializer,
        responses=PreviewSerializer,
        examples=[
            OpenApiExample("10 % off instead", value={"percent": "-10", "preview_cycle": "2026-09"}, request_only=True),
            OpenApiExample("What it does", value=PREVIEW_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, pk: int):
        return _preview(RatingRulePreviewInputSerializer(_rule(pk), data=request.data, partial=True))


# --- exports -------------------------------------------------------------------------------------

EXPORT_EXAMPLE = {
    "id": 8,
    "kind": "lines",
    "kind_label": "Bill lines",
    "cycle": "2026-09",
    "status": "done",
    "status_label": "Ready",
    "rows_done": 2400,
    "rows_total": 2400,
    "percent": 100,
    "error": "",
    "requested_by": "finance-1",
    "created_at": "2026-10-06T09:00:00Z",
    "finished_at": "2026-10-06T09:00:04Z",
    "url": "https://portal.example.com/api/v1/exports/8/",
    "download": "https://portal.example.com/api/v1/exports/8/download/",
}
EXPORT_ID_PATH = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The export's id.")
EXPORT_ORDERINGS = {"-created_at": ["-created_at"], "created_at": ["created_at"]}


class ExportQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportJob.Kind.choices, required=False)
    cycle = cycle_field(required=False)
    status = serializers.ChoiceField(choices=ExportJob.Status.choices, required=False)
    ordering = ordering_field(EXPORT_ORDERINGS)


class ExportListView(ApiView):
    permission_classes = [FinancePermission]
    query_serializer_class = ExportQuery
    orderings = EXPORT_ORDERINGS

    @extend_schema(
        operation_id="exports_list",
        summary="XLSX exports, with their progress",
        description="Finance staff, as the exports page: every Finance member's exports (any of them may "
        "download any), newest first.",
        parameters=[ExportQuery],
        responses=ExportJobSerializer(many=True),
        examples=[page_example(EXPORT_EXAMPLE)],
    )
    def get(self, request):
        query = self.query()
        jobs = selectors.export_jobs().filter(
            **{name: query[name] for name in ("kind", "cycle", "status") if name in query}
        )
        page = self.paginate_queryset(jobs)
        return self.get_paginated_response(ExportJobSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="exports_create",
        summary="Build an XLSX export of a cycle (in the background)",
        description="Finance staff, as a cycle page's XLSX button: a worker writes the cycle's bill lines, "
        "customer bills or reconciliation to an XLSX file (a new sheet every 1,048,575 rows). 202 with the "
        "export; poll its `url` until `status` is `done`, then get `download`. Each request builds a new "
        "export; the same Idempotency-Key again replays the first answer instead. For a CSV at once: "
        "`partner_bills_export_csv`.",
        parameters=[IDEMPOTENCY_PARAM],
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer},
        examples=[
            OpenApiExample("September's lines", value={"kind": "lines", "cycle": "2026-09"}, request_only=True),
            OpenApiExample(
                "Queued",
                value={
                    **EXPORT_EXAMPLE,
                    "status": "queued",
                    "status_label": "Queued",
                    "rows_done": 0,
                    "rows_total": 0,
                    "percent": 0,
                    "finished_at": None,
                    "download": None,
                },
                response_only=True,
            ),
        ],
    )
    @idempotent
    def post(self, request):
        serializer = ExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.export_request(**serializer.validated_data, user=request.user)
        job.refresh_from_db()  # a worker may have built it already (always, with tasks run eagerly)
        body = ExportJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def _export(pk: int) -> ExportJob:
    return get_object_or_404(selectors.export_jobs(), pk=pk)


class ExportDetailView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="exports_retrieve",
        summary="One XLSX export: its progress",
        description="Finance staff: rows written of the total, and once done the `download` URL; a failed "
        "export has its `error`.",
        parameters=[EXPORT_ID_PATH],
        responses=ExportJobSerializer,
        examples=[OpenApiExample("Ready", value=EXPORT_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        return Response(ExportJobSerializer(_export(pk), context={"request": request}).data)


class XlsxRenderer(FileRenderer):
    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"


class CsvRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


XLSX_DOWNLOAD = download_schema(
    XlsxRenderer, description="The XLSX file.", disposition='attachment; filename="lines-2026-09.xlsx".'
)


class ExportDownloadView(FileView):
    permission_classes = [FinancePermission]
    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(
        operation_id="exports_download",
        summary="An XLSX export's file",
        description="Finance staff (any of them, as on the exports page). 409 (`not_done`) while the export "
        "is queued or running, or when it failed. Errors are JSON.",
        parameters=[EXPORT_ID_PATH, *XLSX_DOWNLOAD["parameters"]],
        responses={
            **XLSX_DOWNLOAD["responses"],
            409: OpenApiResponse(description="The export is not done: queued, running or failed (`not_done`)."),
        },
    )
    def get(self, request, pk: int):
        job = _export(pk)
        if job.status != ExportJob.Status.DONE:
            raise ApiError(
                f"The export is not ready: it is {job.get_status_display().lower()}.",
                status_code=status.HTTP_409_CONFLICT,
                code="not_done",
            )
        return exports.xlsx_response(job)


CSV_DOWNLOAD = download_schema(
    CsvRenderer,
    description="The CSV file (UTF-8), streamed: the header row first, then the rows as they are read.",
    disposition='attachment; filename="lines-2026-09.csv".',
)


class CycleCsvView(FileView):
    permission_classes = [FinancePermission]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="partner_bills_export_csv",
        summary="A cycle's bill lines, customer bills or reconciliation as CSV",
        description="Finance staff, as a cycle page's CSV link: the same columns as the XLSX export, streamed "
        "at once (a million lines without waiting). 404 for another kind, or when Finance has neither the "
        "partner bill nor lines of the cycle. Errors are JSON.",
        parameters=[
            CYCLE_PATH,
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=ExportJob.Kind.values, description="What."),
            *CSV_DOWNLOAD["parameters"],
        ],
        responses=CSV_DOWNLOAD["responses"],
    )
    def get(self, request, cycle: str, kind: str):
        cycle = known_cycle(cycle)
        if kind not in ExportJob.Kind.values:
            raise exceptions.NotFound(f"No such export: one of {', '.join(ExportJob.Kind.values)}.")
        return exports.csv_response(kind, cycle)
