"""Customer bills: drafts, issue, immutable, versions, PDF; who sees what."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing import services
from billing.models import BillIssuedError, CustomerBill, CustomerBillItem, IngestRun, RatingRule
from tests.billing.helpers import CUSTOMERS, CYCLE, make_drafts
from tests.factories import CustomerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db
ALPHA = CUSTOMERS[0][0]


@pytest.fixture
def drafts():
    return make_drafts()


@pytest.fixture
def alpha():
    return CustomerFactory(customer_id=ALPHA, account_name="alpha-co", email="alpha@example.com")


@pytest.fixture
def finance_client(client):
    client.force_login(StaffUserFactory(group="Finance"))
    return client


def test_drafts_group_lines_by_service_and_resource(drafts):
    assert drafts.count() == 2
    bill = drafts.get(cloud_customer_id=ALPHA)
    assert bill.status == CustomerBill.Status.DRAFT and bill.number is None
    items = bill.items.all()
    assert sum(i.line_count for i in items) == bill.line_count == 400
    assert sum(i.amount for i in items) == bill.usage_amount == bill.total_amount
    assert len({(i.service_type_code, i.resource_id) for i in items}) == items.count()


def test_issue_numbers_the_bill_records_the_rules_and_emails_the_customer(
    drafts, alpha, django_capture_on_commit_callbacks
):
    draft = drafts.get(cloud_customer_id=ALPHA)

    with django_capture_on_commit_callbacks(execute=True):
        bill = services.customer_bill_issue(bill=draft)

    assert re.fullmatch(r"PP-202609-\d{6}", bill.number)
    assert bill.status == CustomerBill.Status.ISSUED and bill.customer == alpha
    assert [r["percent"] for r in bill.rules] == ["10.00"]
    assert len(mail.outbox) == 1 and bill.number in mail.outbox[0].subject
    again = services.customer_bill_issue(bill=draft)  # a second click
    assert again.number == bill.number


def test_an_issued_bill_cannot_be_changed(drafts):
    bill = services.customer_bill_issue(bill=drafts.first())
    bill.total_amount = Decimal("1.00")

    with pytest.raises(BillIssuedError):
        bill.save()
    with pytest.raises(BillIssuedError):
        CustomerBill.objects.filter(pk=bill.pk).update(total_amount=Decimal("1.00"))
    with pytest.raises(BillIssuedError):
        bill.delete()
    with pytest.raises(BillIssuedError):
        CustomerBill.objects.filter(pk=bill.pk).delete()
    item = bill.items.first()
    item.amount = Decimal("0")
    with pytest.raises(BillIssuedError):
        item.save()
    assert CustomerBill.objects.get(pk=bill.pk).total_amount != Decimal("1.00")


def test_a_correction_is_a_new_version(drafts):
    first = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    RatingRule.objects.create(kind=RatingRule.Kind.ADJUSTMENT, amount=Decimal("-5"), valid_from=date(2026, 9, 3))
    services.cycle_rate(cycle=CYCLE)

    services.customer_bills_draft(cycle=CYCLE, customer_ids=[ALPHA])
    second = services.customer_bill_issue(bill=CustomerBill.objects.get(cloud_customer_id=ALPHA, status="draft"))

    assert second.version == 2 and second.supersedes == first
    assert second.total_amount == first.total_amount - Decimal("5")
    assert second.number != first.number
    first.refresh_from_db()
    assert first.status == CustomerBill.Status.ISSUED
    assert second.items.filter(kind=CustomerBillItem.Kind.ADJUSTMENT).count() == 1


def test_a_customer_sees_and_downloads_only_their_own_bills(drafts, alpha, client):
    own = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    other = services.customer_bill_issue(bill=drafts.exclude(cloud_customer_id=ALPHA).get())
    other.refresh_from_db()
    client.force_login(alpha.user)

    page = client.get(reverse("bills"))
    assert page.status_code == 200
    assert own.number in page.content.decode() and other.number not in page.content.decode()
    assert client.get(reverse("bill_detail", args=[own.pk])).status_code == 200
    for lang in ("en", "zh-hans"):
        response = client.get(reverse("bill_pdf", args=[own.pk]), {"lang": lang})
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("bill_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("bill_pdf", args=[other.pk])).status_code == 404


def test_a_draft_is_not_shown_to_the_customer(drafts, alpha, client):
    client.force_login(alpha.user)

    assert client.get(reverse("bill_detail", args=[drafts.get(cloud_customer_id=ALPHA).pk])).status_code == 404


def test_a_bill_is_shown_replaced_only_once_its_correction_is_issued(drafts, alpha, client):
    first = services.customer_bill_issue(bill=drafts.get(cloud_customer_id=ALPHA))
    RatingRule.objects.create(kind=RatingRule.Kind.ADJUSTMENT, amount=Decimal("-5"), valid_from=date(2026, 9, 3))
    services.cycle_rate(cycle=CYCLE)
    services.customer_bills_draft(cycle=CYCLE, customer_ids=[ALPHA])
    client.force_login(alpha.user)

    def pages():
        return [client.get(url).content.decode() for url in (reverse("bills"), reverse("bill_detail", args=[first.pk]))]

    listed_while_draft, detail_while_draft = pages()
    second = services.customer_bill_issue(bill=CustomerBill.objects.get(cloud_customer_id=ALPHA, status="draft"))
    listed, detail = pages()

    assert "replaced" not in listed_while_draft and "replaced" not in detail_while_draft
    assert "(replaced)" in listed
    assert "replaced by a corrected version" in detail
    assert reverse("bill_detail", args=[second.pk]) in detail and second.number in detail


FINANCE_PAGES = [
    ("finance:dashboard", []),
    ("finance:cycle", [CYCLE]),
    ("finance:cycle_bills", [CYCLE]),
    ("finance:reconciliation", [CYCLE]),
    ("finance:rules", []),
    ("finance:exports", []),
    ("finance:export_csv", [CYCLE, "lines"]),
]


@pytest.mark.parametrize(("name", "args"), FINANCE_PAGES)
@pytest.mark.parametrize("role", ["Support", "Operations", None])
def test_only_finance_sees_finance_pages(client, name, args, role):
    user = StaffUserFactory(group=role) if role else UserFactory()
    client.force_login(user)

    assert client.get(reverse(name, args=args)).status_code == 403


def test_finance_post_actions_are_refused_to_others(client):
    client.force_login(StaffUserFactory(group="Support"))

    assert client.post(reverse("finance:cycle_action", args=[CYCLE, "rate"])).status_code == 403
    assert client.post(reverse("finance:exports"), {"cycle": CYCLE, "kind": "lines"}).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("finance:dashboard"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize(("name", "args"), FINANCE_PAGES)
def test_finance_sees_every_page(drafts, finance_client, name, args, django_assert_max_num_queries):
    # Session and user, groups check, then the page's own reads (sums and current bills).
    with django_assert_max_num_queries(14):
        response = finance_client.get(reverse(name, args=args))
    assert response.status_code == 200


def test_reconciliation_drills_down_to_services_and_lines(drafts, finance_client):
    url = reverse("finance:reconciliation", args=[CYCLE])

    services_page = finance_client.get(url, {"customer": ALPHA})
    lines_page = finance_client.get(url, {"customer": ALPHA, "service": "hws.service.type.ec2"})

    assert "hws.service.type.ec2" in services_page.content.decode()
    assert lines_page.status_code == 200 and "202609000010000" in lines_page.content.decode()


def test_finance_issues_a_bill_and_gets_its_pdf(drafts, finance_client):
    draft = drafts.first()

    response = finance_client.post(reverse("finance:bill", args=[draft.pk]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == CustomerBill.Status.ISSUED
    pdf = finance_client.get(reverse("finance:bill_pdf", args=[draft.pk]), {"lang": "zh-hans"})
    assert pdf.content.startswith(b"%PDF")


def test_loading_the_bill_file_shows_its_run_at_once_and_asking_again_adds_none(finance_client):
    url = reverse("finance:cycle_action", args=[CYCLE, "ingest"])

    first = finance_client.post(url)  # no worker runs in this test: the load waits
    again = finance_client.post(url)

    assert first.status_code == again.status_code == 302
    run = IngestRun.objects.get()
    assert run.cycle == CYCLE and run.status == IngestRun.Status.RUNNING and run.attempts == 0
    page = finance_client.get(reverse("finance:cycle", args=[CYCLE])).content.decode()
    assert f'id="run-{run.pk}"' in page and reverse("finance:run_progress", args=[run.pk]) in page


def test_a_rule_preview_saves_nothing_and_save_redirects(drafts, finance_client):
    form = {"kind": "percent", "percent": "20", "amount": "0", "valid_from": "2026-01-01", "preview_cycle": CYCLE}

    preview = finance_client.post(reverse("finance:rules"), {**form, "preview": "1"})
    assert preview.status_code == 200 and "rule-preview" in preview.content.decode()
    assert RatingRule.objects.count() == 1

    saved = finance_client.post(reverse("finance:rules"), {**form, "save": "1"})
    assert saved.status_code == 302 and RatingRule.objects.count() == 2


def test_a_bad_rule_shows_the_error_next_to_the_field(finance_client):
    response = finance_client.post(
        reverse("finance:rules"),
        {"kind": "percent", "percent": "-100", "amount": "0", "valid_from": "2026-02-01", "valid_to": "2026-01-01"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "The end must not be before the start." in body
    assert RatingRule.objects.count() == 0
