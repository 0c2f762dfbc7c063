"""Reads that Finance pages, customer pages and exports share."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum

from billing.models import (
    BillCycle,
    BillLine,
    CustomerBill,
    CustomerMonthlySum,
    ExportJob,
    IngestRun,
    LineKind,
    PartnerBill,
)
from billing.services import ZERO, money


def is_finance(user) -> bool:
    """Finance staff and superusers see Finance; nobody else."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    # Asked once per billing model on every admin page (the app list): remember it on the user.
    cached = getattr(user, "_is_finance", None)
    if cached is None:
        cached = user._is_finance = user.groups.filter(name="Finance").exists()
    return cached


def latest_runs(*, cycles) -> dict[str, IngestRun]:
    """The latest ingest run of each of `cycles` that has one (one query)."""
    latest = {}
    for run in IngestRun.objects.filter(cycle__in=list(cycles)).order_by("cycle", "-started_at", "-pk"):
        latest.setdefault(run.cycle, run)
    return latest


def cycles_overview() -> list[dict]:
    """Every cycle Finance knows (a partner bill or lines), newest first, with its latest run."""
    cycles = {c.cycle: {"cycle": c.cycle, "bill_cycle": c} for c in BillCycle.objects.all()}
    for bill in PartnerBill.objects.all():
        cycles.setdefault(bill.cycle, {"cycle": bill.cycle, "bill_cycle": None})["partner_bill"] = bill
    for cycle, run in latest_runs(cycles=cycles).items():
        cycles[cycle]["run"] = run
    return [cycles[key] for key in sorted(cycles, reverse=True)]


def partner_bills_overview(*, bills: list[PartnerBill]) -> list[PartnerBill]:
    """Partner bills (a page of them), each given its cycle's lines (`bill_cycle`, None before a bill
    file was loaded) and latest ingest run (`latest_run`), as the dashboard's cycles show them. Two queries."""
    cycles = [bill.cycle for bill in bills]
    bill_cycles = {c.cycle: c for c in BillCycle.objects.filter(cycle__in=cycles)}
    runs = latest_runs(cycles=cycles)
    for bill in bills:
        bill.bill_cycle, bill.latest_run = bill_cycles.get(bill.cycle), runs.get(bill.cycle)
    return bills


def cycle_overview(*, cycle: str) -> dict:
    """One cycle as its Finance page shows it: the partner bill and the lines (each None until there is
    one), the last ten ingest runs (newest first; `run` the latest) and the number of customer bills by
    status."""
    runs = list(IngestRun.objects.filter(cycle=cycle).order_by("-started_at", "-pk")[:10])
    return {
        "cycle": cycle,
        "bill_cycle": BillCycle.objects.filter(cycle=cycle).first(),
        "partner_bill": PartnerBill.objects.filter(cycle=cycle).first(),
        "runs": runs,
        "run": runs[0] if runs else None,
        "bill_counts": dict(
            CustomerBill.objects.filter(cycle=cycle).values_list("status").annotate(n=Count("pk")).order_by()
        ),
    }


def partner_bill_overview(*, cycle: str) -> PartnerBill | None:
    """The partner bill of `cycle` (None before it is synced) given what the cycle's page shows
    (`cycle_overview`): `bill_cycle`, `latest_run`, `runs` and `bill_counts`."""
    overview = cycle_overview(cycle=cycle)
    bill = overview["partner_bill"]
    if bill is not None:
        bill.bill_cycle, bill.latest_run = overview["bill_cycle"], overview["run"]
        bill.runs, bill.bill_counts = overview["runs"], overview["bill_counts"]
    return bill


def cycle_known(*, cycle: str) -> bool:
    """Finance knows the cycle: its partner bill was synced or lines of it were loaded."""
    return BillCycle.objects.filter(cycle=cycle).exists() or PartnerBill.objects.filter(cycle=cycle).exists()


def lines_for(*, cycle: str, customer_id: str | None = None, service_type_code: str | None = None) -> QuerySet:
    lines = BillLine.objects.filter(cycle=cycle)
    if customer_id:
        lines = lines.filter(customer_id=customer_id)
    if service_type_code:
        lines = lines.filter(service_type_code=service_type_code)
    return lines


def current_bills(*, cycle: str | None = None) -> QuerySet:
    """The newest version of each customer's bill of `cycle` (of every cycle: None), issued or draft."""
    newest = (
        CustomerBill.objects.filter(cycle=OuterRef("cycle"), cloud_customer_id=OuterRef("cloud_customer_id"))
        .order_by("-version")
        .values("version")[:1]
    )
    bills = CustomerBill.objects.filter(version=Subquery(newest))
    if cycle is not None:
        bills = bills.filter(cycle=cycle)
    return bills.order_by("account_name")


def with_replacement(bills: QuerySet) -> QuerySet:
    """Bills with `replaced_by_id` and `replaced_by_number`: the newer version that corrects each one,
    once it is issued (a draft correction already points at the bill it will replace, but it does not
    replace it yet, and a customer must not learn of it). Same query."""
    replacement = CustomerBill.objects.filter(supersedes=OuterRef("pk"), status=CustomerBill.Status.ISSUED)
    return bills.annotate(
        replaced_by_id=Subquery(replacement.values("pk")[:1]),
        replaced_by_number=Subquery(replacement.values("number")[:1]),
    )


def bills_for_customer(*, customer) -> QuerySet:
    """A customer's issued bills (every version: a corrected bill does not hide the old one)."""
    bills = CustomerBill.objects.filter(customer=customer, status=CustomerBill.Status.ISSUED)
    return with_replacement(bills).order_by("-cycle", "-version")


def bill_for_customer(*, customer, pk: int) -> CustomerBill | None:
    """One of the customer's issued bills; None for a draft or another customer's bill."""
    return bills_for_customer(customer=customer).filter(pk=pk).first()


def customer_bills(*, customer=None, current: bool = False) -> QuerySet:
    """Every customer bill (of one portal customer), drafts and every version included, as Finance sees
    them; `current`: only the newest version of each customer's bill of a cycle, as the Finance page
    lists a cycle's bills."""
    bills = current_bills() if current else CustomerBill.objects.all()
    if customer is not None:
        bills = bills.filter(customer=customer)
    return with_replacement(bills).order_by(*CustomerBill._meta.ordering)


@dataclass
class Difference:
    what: str
    expected: Decimal
    actual: Decimal
    customer_id: str = ""
    account_name: str = ""

    @property
    def amount(self) -> Decimal:
        return self.actual - self.expected


@dataclass
class CustomerRow:
    customer_id: str
    account_name: str
    line_count: int
    official: Decimal
    cost: Decimal
    rated: Decimal
    monthly_sum: Decimal | None
    bill_official: Decimal | None
    bill_total: Decimal | None

    @property
    def margin(self) -> Decimal:
        return (self.bill_total if self.bill_total is not None else self.rated) - self.cost


@dataclass
class Reconciliation:
    cycle: str
    partner_bill: PartnerBill | None
    lines_by_kind: dict[int, Decimal]
    lines_official: Decimal
    lines_total: Decimal
    monthly_sums_total: Decimal | None
    bills_official: Decimal | None
    bills_total: Decimal | None
    customers: list[CustomerRow]
    services: list[dict]
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def reconciliation(*, cycle: str) -> Reconciliation:
    """Partner bill vs the sum of the ingested lines vs each customer's monthly sum vs the customer
    bills at official prices; every difference listed; margin per customer and service."""
    lines = BillLine.objects.filter(cycle=cycle)
    by_kind = {row["kind"]: money(row["total"]) for row in lines.values("kind").annotate(total=Sum("consume_amount"))}
    lines_total = sum(by_kind.values(), ZERO)
    customer_rows = (
        lines.values("customer_id")
        .annotate(
            account_name=Max("account_name"),
            line_count=Count("pk"),
            official=Sum("official_amount"),
            cost=Sum("consume_amount"),
            rated=Sum("rated_amount"),
        )
        .order_by("customer_id")
    )
    sums = {s.customer_id: s for s in CustomerMonthlySum.objects.filter(cycle=cycle)}
    bills = {b.cloud_customer_id: b for b in current_bills(cycle=cycle)}
    customers = []
    for row in customer_rows:
        monthly = sums.get(row["customer_id"])
        bill = bills.get(row["customer_id"])
        customers.append(
            CustomerRow(
                customer_id=row["customer_id"],
                account_name=row["account_name"],
                line_count=row["line_count"],
                official=money(row["official"]),
                cost=money(row["cost"]),
                rated=money(row["rated"]),
                monthly_sum=monthly.consume_amount if monthly else None,
                bill_official=bill.official_amount if bill else None,
                bill_total=bill.total_amount if bill else None,
            )
        )
    services = [
        {
            "service_type_code": row["service_type_code"],
            "service_type_name": row["service_type_name"],
            "line_count": row["line_count"],
            "official": money(row["official"]),
            "cost": money(row["cost"]),
            "rated": money(row["rated"]),
            "margin": money(row["rated"]) - money(row["cost"]),
        }
        for row in lines.values("service_type_code")
        .annotate(
            service_type_name=Max("service_type_name"),
            line_count=Count("pk"),
            official=Sum("official_amount"),
            cost=Sum("consume_amount"),
            rated=Sum("rated_amount"),
        )
        .order_by("-cost")
    ]
    partner = PartnerBill.objects.filter(cycle=cycle).first()
    result = Reconciliation(
        cycle=cycle,
        partner_bill=partner,
        lines_by_kind=by_kind,
        lines_official=sum((c.official for c in customers), ZERO),
        lines_total=lines_total,
        monthly_sums_total=sum((s.consume_amount for s in sums.values()), ZERO) if sums else None,
        bills_official=sum((b.official_amount for b in bills.values()), ZERO) if bills else None,
        bills_total=sum((b.total_amount for b in bills.values()), ZERO) if bills else None,
        customers=customers,
        services=services,
    )
    diff = result.differences
    if partner:
        checks = [
            ("Partner bill consumption vs lines", partner.consume_amount, by_kind.get(LineKind.CONSUMPTION, ZERO)),
            ("Partner bill refunds vs lines", partner.refunds, by_kind.get(LineKind.REFUND, ZERO)),
            ("Partner bill adjustments vs lines", partner.adjustments, by_kind.get(LineKind.ADJUSTMENT, ZERO)),
            ("Partner bill amount due vs lines", partner.initial_amount_due, lines_total),
        ]
        diff += [Difference(what, expected, actual) for what, expected, actual in checks if expected != actual]
    for row in customers:
        if row.monthly_sum is not None and row.monthly_sum != row.cost:
            diff.append(
                Difference("Monthly sum vs lines", row.monthly_sum, row.cost, row.customer_id, row.account_name)
            )
        if row.bill_official is not None and row.bill_official != row.official:
            diff.append(
                Difference(
                    "Lines vs bill at official prices",
                    row.official,
                    row.bill_official,
                    row.customer_id,
                    row.account_name,
                )
            )
    missing = set(sums) - {c.customer_id for c in customers}
    for customer_id in sorted(missing):
        monthly = sums[customer_id]
        diff.append(
            Difference("Monthly sum without lines", monthly.consume_amount, ZERO, customer_id, monthly.account_name)
        )
    return result


def customer_services(*, cycle: str, customer_id: str) -> list[dict]:
    """Drill-down: one customer's lines by service, with margin."""
    rows = (
        BillLine.objects.filter(cycle=cycle, customer_id=customer_id)
        .values("service_type_code")
        .annotate(
            service_type_name=Max("service_type_name"),
            line_count=Count("pk"),
            official=Sum("official_amount"),
            cost=Sum("consume_amount"),
            rated=Sum("rated_amount"),
        )
        .order_by("service_type_code")
    )
    return [
        {
            **row,
            **{k: money(row[k]) for k in ("official", "cost", "rated")},
            "margin": money(row["rated"]) - money(row["cost"]),
        }
        for row in rows
    ]


def export_jobs() -> QuerySet:
    """Every XLSX export, newest first, with who asked for it: every Finance member sees and downloads them all."""
    return ExportJob.objects.select_related("requested_by")


def dashboard(*, months: int = 12, top: int = 10) -> dict:
    """Revenue (rated usage), cost (HUAWEI CLOUD's charge) and margin per cycle; top customers and
    services of the latest cycle."""
    final = list(BillCycle.objects.filter(lines_final=True).order_by("-cycle").values_list("cycle", flat=True)[:months])
    per_month = {
        row["cycle"]: row
        for row in BillLine.objects.filter(cycle__in=final)
        .values("cycle")
        .annotate(revenue=Sum("rated_amount"), cost=Sum("consume_amount"))
        .order_by()
    }
    series = []
    for cycle in sorted(final):
        row = per_month.get(cycle, {})
        revenue, cost = money(row.get("revenue")), money(row.get("cost"))
        series.append({"cycle": cycle, "revenue": revenue, "cost": cost, "margin": revenue - cost})
    latest = final[0] if final else None
    top_customers = services = []
    if latest:
        top_customers = [
            {"account_name": r["account_name"], "revenue": money(r["revenue"]), "cost": money(r["cost"])}
            for r in BillLine.objects.filter(cycle=latest)
            .values("customer_id")
            .annotate(account_name=Max("account_name"), revenue=Sum("rated_amount"), cost=Sum("consume_amount"))
            .order_by("-revenue", "customer_id")[:top]
        ]
        services = [
            {"service": r["service_type_name"], "revenue": money(r["revenue"]), "cost": money(r["cost"])}
            for r in BillLine.objects.filter(cycle=latest)
            .values("service_type_code")
            .annotate(
                service_type_name=Max("service_type_name"), revenue=Sum("rated_amount"), cost=Sum("consume_amount")
            )
            .order_by("-revenue")
        ]
    return {"latest": latest, "series": series, "top_customers": top_customers, "services": services}
