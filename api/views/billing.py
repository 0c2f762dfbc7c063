"""Partner bills and their reconciliation (Finance), customer bills (list, detail, PDF, issue).

Reads call the Finance pages' and the bills page's selectors (billing.selectors), writes the same
services (billing.services), the PDF the same renderer (billing.pdf). Who may: as on the pages, a
customer its own issued bills (`bills_for_customer`), Finance staff and superusers everything
(`is_finance`), drafts included.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.permissions import NO_ACCESS, FinancePermission, customer_of, customer_param
from api.serializers.billing import (
    CustomerBillDetailSerializer,
    CustomerBillSerializer,
    CycleSerializer,
    FinanceBillDetailSerializer,
    FinanceBillSerializer,
    IssueCycleResultSerializer,
    PartnerBillDetailSerializer,
    PartnerBillSerializer,
    ReconciliationSerializer,
    cycle_field,
)
from api.views.base import ApiView, FileRenderer, FileView, customer_field, download_schema, ordering_field
from api.views.customers import page_example
from billing import pdf, selectors, services
from billing.forms import CYCLE
from billing.models import CustomerBill, PartnerBill

CYCLE_PATH = OpenApiParameter(
    "cycle",
    str,
    OpenApiParameter.PATH,
    pattern=CYCLE.pattern,
    description="The bill cycle, YYYY-MM (Beijing time).",
    examples=[OpenApiExample("September 2026", value="2026-09")],
)
BILL_ID_PATH = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The customer bill's id.")


def valid_cycle(raw: str) -> str:
    """A cycle from the path, checked as the Finance pages check it: a 400 with the field otherwise."""
    serializer = CycleSerializer(data={"cycle": raw})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["cycle"]


# --- partner bills -------------------------------------------------------------------------------

RUN_EXAMPLE = {
    "id": 31,
    "status": "succeeded",
    "status_label": "Done",
    "source": "obs://demo-partner-bills/customerBill/customerBill_202609.tar.gz",
    "parts_done": 4,
    "rows_done": 2400,
    "rows_changed": 2400,
    "bytes_read": 181233,
    "bytes_total": 181233,
    "percent": 100,
    "error": "",
    "error_part": "",
    "error_line": None,
    "attempts": 1,
    "started_at": "2026-10-05T04:10:00Z",
    "finished_at": "2026-10-05T04:10:09Z",
}
PARTNER_BILL_EXAMPLE = {
    "cycle": "2026-09",
    "consume_amount": "18230.55",
    "refunds": "-120.00",
    "adjustments": "-15.30",
    "tax_amount": "0.00",
    "initial_amount_due": "18095.25",
    "currency": "USD",
    "synced_at": "2026-10-05T04:05:00Z",
    "lines": {
        "complete": True,
        "line_count": 2400,
        "ingested_at": "2026-10-05T04:10:09Z",
        "rated": True,
        "rated_at": "2026-10-05T04:10:12Z",
        "monthly_sums_checked_at": "2026-10-05T04:11:00Z",
    },
    "latest_run": RUN_EXAMPLE,
}
PARTNER_BILL_ORDERINGS = {"-cycle": ["-cycle"], "cycle": ["cycle"]}


class PartnerBillQuery(serializers.Serializer):
    ordering = ordering_field(PARTNER_BILL_ORDERINGS)


class PartnerBillListView(ApiView):
    permission_classes = [FinancePermission]
    query_serializer_class = PartnerBillQuery
    orderings = PARTNER_BILL_ORDERINGS

    @extend_schema(
        operation_id="partner_bills_list",
        summary="The partner's monthly bills, with each cycle's bill file and rating",
        description="Finance staff (and superusers), as the Finance pages. Each month's bill from HUAWEI CLOUD, "
        "and what Finance has done with the cycle: whether the whole bill file was loaded (`lines.complete`), "
        "how many lines, whether they are rated with the current rules, and the latest load.",
        parameters=[PartnerBillQuery],
        responses=PartnerBillSerializer(many=True),
        examples=[page_example(PARTNER_BILL_EXAMPLE)],
    )
    def get(self, request):
        self.query()
        page = self.paginate_queryset(PartnerBill.objects.all())
        rows = selectors.partner_bills_overview(bills=page)
        return self.get_paginated_response(PartnerBillSerializer(rows, many=True).data)


class PartnerBillDetailView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="partner_bills_retrieve",
        summary="One month's partner bill, with the cycle's loads and customer bills",
        description="Finance staff. What the cycle's Finance page shows. 404 until the partner bill of the "
        "cycle is synced (HUAWEI CLOUD has it after 12:00 Beijing time on the 5th of the next month).",
        parameters=[CYCLE_PATH],
        responses=PartnerBillDetailSerializer,
        examples=[
            OpenApiExample(
                "September",
                value={**PARTNER_BILL_EXAMPLE, "runs": [RUN_EXAMPLE], "customer_bills": {"draft": 2, "issued": 12}},
                response_only=True,
            )
        ],
    )
    def get(self, request, cycle: str):
        bill = selectors.partner_bill_overview(cycle=valid_cycle(cycle))
        if bill is None:
            raise exceptions.NotFound("No partner bill of this cycle yet.")
        return Response(PartnerBillDetailSerializer(bill).data)


class ReconciliationView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="partner_bills_reconciliation",
        summary="A cycle's reconciliation: partner bill vs lines vs monthly sums vs customer bills",
        description="Finance staff. What the cycle's reconciliation page shows: the totals, every difference "
        "(to the cent), and per customer and per service the official price, cost, our price and margin. "
        "404 when Finance has neither the partner bill nor lines of the cycle.",
        parameters=[CYCLE_PATH],
        responses=ReconciliationSerializer,
        examples=[
            OpenApiExample(
                "A difference",
                value={
                    "cycle": "2026-09",
                    "ok": False,
                    "partner_bill": {key: PARTNER_BILL_EXAMPLE[key] for key in list(PARTNER_BILL_EXAMPLE)[:8]},
                    "lines_by_kind": {"consumption": "18230.56", "refunds": "-120.00", "adjustments": "-15.30"},
                    "lines_total": "18095.26",
                    "lines_official": "21010.00",
                    "monthly_sums_total": "18095.25",
                    "bills_official": "21010.00",
                    "bills_total": "20511.90",
                    "differences": [
                        {
                            "what": "Monthly sum vs lines",
                            "customer_id": "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
                            "account_name": "acme-shop",
                            "expected": "1210.40",
                            "actual": "1210.41",
                            "amount": "0.01",
                        }
                    ],
                    "customers": [
                        {
                            "customer_id": "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
                            "account_name": "acme-shop",
                            "line_count": 180,
                            "official": "1400.00",
                            "cost": "1210.41",
                            "rated": "1365.00",
                            "monthly_sum": "1210.40",
                            "bill_official": "1400.00",
                            "bill_total": "1390.00",
                            "margin": "179.59",
                        }
                    ],
                    "services": [
                        {
                            "service_type_code": "hws.service.type.ec2",
                            "service_type_name": "Elastic Cloud Server",
                            "line_count": 900,
                            "official": "9000.00",
                            "cost": "7800.00",
                            "rated": "8800.00",
                            "margin": "1000.00",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, cycle: str):
        cycle = valid_cycle(cycle)
        if not selectors.cycle_known(cycle=cycle):
            raise exceptions.NotFound("Finance has neither the partner bill nor lines of this cycle.")
        return Response(ReconciliationSerializer(selectors.reconciliation(cycle=cycle)).data)


# --- customer bills ------------------------------------------------------------------------------

BILL_EXAMPLE = {
    "id": 412,
    "number": "PP-202609-000007",
    "cycle": "2026-09",
    "version": 1,
    "status": "issued",
    "status_label": "Issued",
    "account_name": "acme-shop",
    "customer_name": "ACME Ltd",
    "usage_amount": "1365.00",
    "fees_amount": "25.00",
    "adjustments_amount": "0.00",
    "total_amount": "1390.00",
    "currency": "USD",
    "line_count": 180,
    "issued_at": "2026-10-06T09:00:00Z",
    "supersedes": None,
    "replaced_by": None,
    "replaced_by_number": None,
}
FINANCE_EXAMPLE = {
    **BILL_EXAMPLE,
    "customer": 12,
    "cloud_customer_id": "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
    "official_amount": "1400.00",
    "cost_amount": "1210.41",
    "margin_amount": "179.59",
    "created_at": "2026-10-05T04:12:00Z",
}
ITEM_EXAMPLE = {
    "kind": "usage",
    "kind_label": "Usage",
    "service_type_code": "hws.service.type.ec2",
    "service_type_name": "Elastic Cloud Server",
    "resource_type_name": "ECS",
    "resource_id": "9f3c1a52-7d1e-4d7a-9c55-2f6f0e1c2a10",
    "resource_name": "web-1",
    "description": "",
    "line_count": 30,
    "amount": "54.00",
}
CUSTOMER_BILL_ORDERINGS = {
    "-cycle": ["-cycle", "account_name", "-version"],
    "cycle": ["cycle", "account_name", "-version"],
    "account_name": ["account_name", "-cycle", "-version"],
    "-total_amount": ["-total_amount"],
    "total_amount": ["total_amount"],
}


class CustomerBillQuery(serializers.Serializer):
    cycle = cycle_field(required=False)
    status = serializers.ChoiceField(
        choices=CustomerBill.Status.choices, required=False, help_text="A customer's token has issued bills only."
    )
    current = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Finance: only the newest version of each customer's bill of a cycle, as the Finance page "
        "lists a cycle's bills. Ignored for a customer's own token.",
    )
    customer = customer_field()
    ordering = ordering_field(CUSTOMER_BILL_ORDERINGS)


def _finance_or_refused(request) -> None:
    if not selectors.is_finance(request.user):
        raise exceptions.PermissionDenied(NO_ACCESS)


class CustomerBillListView(ApiView):
    query_serializer_class = CustomerBillQuery
    orderings = CUSTOMER_BILL_ORDERINGS

    @extend_schema(
        operation_id="customer_bills_list",
        summary="Customer bills",
        description="A customer's token: its own issued bills (every version: a corrected bill does not hide "
        "the old one), as its bills page. Finance staff: every bill, drafts included, with the official price, "
        "cost and margin; `?customer=<id>` for one customer.",
        parameters=[CustomerBillQuery],
        responses=FinanceBillSerializer(many=True),
        examples=[page_example(BILL_EXAMPLE, "A customer's page"), page_example(FINANCE_EXAMPLE, "Finance's page")],
    )
    def get(self, request):
        query = self.query()
        customer = customer_of(request.user)
        if customer is not None:
            bills, serializer_class = selectors.bills_for_customer(customer=customer), CustomerBillSerializer
        else:
            _finance_or_refused(request)
            bills = selectors.customer_bills(customer=customer_param(request, required=False), current=query["current"])
            serializer_class = FinanceBillSerializer
        bills = bills.filter(**{name: query[name] for name in ("cycle", "status") if query.get(name)})
        return self.list_response(bills, serializer_class)


def visible_bill(request, pk: int) -> tuple[CustomerBill, bool]:
    """(bill, seen by Finance): the customer's own issued bill, or for Finance any bill. Else a 404
    (another customer's bill or a draft: its existence is not disclosed) or a 403."""
    customer = customer_of(request.user)
    if customer is not None:
        bill, finance = selectors.bill_for_customer(customer=customer, pk=pk), False
    else:
        _finance_or_refused(request)
        bill, finance = selectors.customer_bills().filter(pk=pk).first(), True
    if bill is None:
        raise exceptions.NotFound("No such bill.")
    return bill, finance


class CustomerBillDetailView(ApiView):
    @extend_schema(
        operation_id="customer_bills_retrieve",
        summary="One customer bill, with its items",
        description="Items group the bill's lines by service and resource, plus one per fee and adjustment. "
        "Finance also sees each item's official price and cost, and the rating rules the bill was issued with.",
        parameters=[BILL_ID_PATH],
        responses=FinanceBillDetailSerializer,
        examples=[
            OpenApiExample("A customer's bill", value={**BILL_EXAMPLE, "items": [ITEM_EXAMPLE]}, response_only=True)
        ],
    )
    def get(self, request, pk: int):
        bill, finance = visible_bill(request, pk)
        serializer_class = FinanceBillDetailSerializer if finance else CustomerBillDetailSerializer
        return Response(serializer_class(bill).data)


class PdfRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class PdfQuery(serializers.Serializer):
    lang = serializers.ChoiceField(
        choices=pdf.LANGUAGES,
        required=False,
        help_text="The bill's language; without it the request's language (Accept-Language), else English.",
    )


PDF_DOWNLOAD = download_schema(
    PdfRenderer,
    description="The PDF file.",
    disposition='attachment; filename="PP-202609-000007-en.pdf" (a draft: draft-<id>-<lang>.pdf).',
)


class CustomerBillPdfView(FileView):
    renderer_classes = [JSONRenderer, PdfRenderer]
    query_serializer_class = PdfQuery

    @extend_schema(
        operation_id="customer_bills_pdf",
        summary="A customer bill as a PDF",
        description="The same PDF as the bills page's download, in English (`lang=en`) or Chinese "
        "(`lang=zh-hans`); without `lang`, in the language of `Accept-Language`. Errors are JSON.",
        parameters=[BILL_ID_PATH, PdfQuery, *PDF_DOWNLOAD["parameters"]],
        responses=PDF_DOWNLOAD["responses"],
    )
    def get(self, request, pk: int):
        language = self.query().get("lang")
        bill, _finance = visible_bill(request, pk)
        return pdf.bill_pdf_response(bill, language=language or request.LANGUAGE_CODE)


class CustomerBillIssueView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="customer_bills_issue",
        summary="Issue a draft customer bill",
        description="Finance staff, as the Finance bill page's Issue button: the draft is numbered "
        "(PP-YYYYMM-000123), records the rating rules used and can no longer change; the customer is emailed. "
        "Kept in the audit log. Issuing an issued bill again changes nothing and answers it as it is.",
        parameters=[BILL_ID_PATH],
        request=None,
        responses=FinanceBillDetailSerializer,
        examples=[OpenApiExample("Issued", value={**FINANCE_EXAMPLE, "items": [ITEM_EXAMPLE]}, response_only=True)],
    )
    def post(self, request, pk: int):
        bill = selectors.customer_bills().filter(pk=pk).first()
        if bill is None:
            raise exceptions.NotFound("No such bill.")
        services.customer_bill_issue(bill=bill, user=request.user, request=request)
        return Response(FinanceBillDetailSerializer(selectors.customer_bills().get(pk=pk)).data)


class CustomerBillsIssueView(ApiView):
    permission_classes = [FinancePermission]

    @extend_schema(
        operation_id="customer_bills_issue_cycle",
        summary="Issue every draft bill of a cycle",
        description='Finance staff, as the cycle page\'s "Issue all drafts": each draft is issued as by '
        "`customer_bills_issue` (numbered, audited, emailed). Sending it again issues nothing more.",
        request=CycleSerializer,
        responses=IssueCycleResultSerializer,
        examples=[
            OpenApiExample("September's drafts", value={"cycle": "2026-09"}, request_only=True),
            OpenApiExample("Issued", value={"cycle": "2026-09", "issued": 14}, response_only=True),
        ],
    )
    def post(self, request):
        serializer = CycleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cycle = serializer.validated_data["cycle"]
        issued = services.customer_bills_issue(cycle=cycle, user=request.user, request=request)
        return Response(IssueCycleResultSerializer({"cycle": cycle, "issued": issued}).data)
