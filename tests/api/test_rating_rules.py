"""Rating rules through the API: listed, added, changed, deleted and previewed as on the Finance rules page,
checked by the page's form and saved by its services (audited)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing import services
from billing.models import BillCycle, RatingRule
from partner_portal.models import AuditEntry
from tests.api.conftest import error_of
from tests.billing.helpers import CUSTOMERS, CYCLE

pytestmark = pytest.mark.django_db
ALPHA = CUSTOMERS[0][0]
RULES = "/api/v1/rating-rules/"
FEE = {"kind": "fixed_fee", "amount": "25.00", "description": "Support", "valid_from": "2026-01-01"}


def _rule(**fields) -> RatingRule:
    return RatingRule.objects.create(**{"percent": Decimal("10"), "valid_from": date(2026, 1, 1), **fields})


def test_finance_adds_a_rule_audited_and_rated_cycles_must_be_rated_again(drafts, finance):
    assert BillCycle.objects.get(cycle=CYCLE).rated_at is not None

    response = finance.post(RULES, {**FEE, "customer_id": ALPHA})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "fixed_fee" and body["kind_label"] == "Fixed monthly fee"
    assert body["amount"] == "25.00" and body["percent"] == "0.00"  # the page's default
    assert body["customer_id"] == ALPHA and body["valid_to"] is None
    rule = RatingRule.objects.get(pk=body["id"])
    assert rule.created_by is not None and rule.created_by.groups.filter(name="Finance").exists()
    entry = AuditEntry.objects.get(action="billing.rule_save")
    assert entry.object_id == str(rule.pk) and entry.before is None and entry.after["amount"] == "25.00"
    assert BillCycle.objects.get(cycle=CYCLE).rated_at is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"percent": "5", "valid_from": "2026-02-01", "valid_to": "2026-01-01"},
            {"valid_to": ["The end must not be before the start."]},
        ),
        ({"percent": "-100", "valid_from": "2026-02-01"}, {"percent": ["A discount must be less than 100%."]}),
        ({"kind": "adjustment", "valid_from": "2026-02-01"}, {"amount": ["Give the amount of the fee or adjustment."]}),
        ({"percent": "5"}, {"valid_from": ["This field is required."]}),
        (
            {"kind": "bonus", "amount": "5", "valid_from": "2026-02-01"},
            {"kind": ["Select a valid choice. bonus is not one of the available choices."]},
        ),
        ({"percent": "lots", "valid_from": "2026-02-01"}, {"percent": ["Enter a number."]}),
        (
            {"percent": ["5"], "valid_from": True},
            {
                "percent": ["Send one value: a string, a number or null."],
                "valid_from": ["Send one value: a string, a number or null."],
            },
        ),
    ],
)
def test_a_rule_the_pages_form_refuses_is_400_with_its_fields_and_messages(finance, body, fields):
    response = finance.post(RULES, body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid" and error["fields"] == fields
    assert not RatingRule.objects.exists() and not AuditEntry.objects.filter(action="billing.rule_save").exists()


def test_a_body_that_is_not_an_object_is_400(finance):
    response = finance.client.post(
        RULES, "[1, 2]", content_type="application/json", headers={"Authorization": f"Bearer {finance.token}"}
    )

    assert response.status_code == 400 and error_of(response)["fields"] == {
        "non_field_errors": ["Send the rule as a JSON object."]
    }


def test_the_same_idempotency_key_adds_one_rule(finance):
    headers = {"Idempotency-Key": "rule-2026-09-support"}

    first = finance.post(RULES, FEE, headers=headers)
    again = finance.post(RULES, FEE, headers=headers)
    other = finance.post(RULES, {**FEE, "amount": "30.00"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and error_of(other)["code"] == "idempotency_key_reused"
    assert RatingRule.objects.count() == 1


def test_a_change_keeps_the_fields_not_sent_and_is_audited_with_before_and_after(finance):
    rule = _rule(customer_id=ALPHA, description="Alpha's markup")

    response = finance.patch(f"{RULES}{rule.pk}/", {"percent": "12.5", "valid_to": "2026-12-31"})
    again = finance.patch(f"{RULES}{rule.pk}/", {"percent": "12.5", "valid_to": "2026-12-31"})

    assert response.status_code == 200, response.json()
    assert response.json() == {**again.json(), "updated_at": response.json()["updated_at"]}
    rule.refresh_from_db()
    assert rule.percent == Decimal("12.50") and rule.valid_to == date(2026, 12, 31)
    assert rule.customer_id == ALPHA and rule.description == "Alpha's markup" and rule.valid_from == date(2026, 1, 1)
    entry = AuditEntry.objects.filter(action="billing.rule_save").order_by("pk").first()
    assert Decimal(entry.before["percent"]) == 10 and Decimal(entry.after["percent"]) == Decimal("12.5")


def test_a_change_the_form_refuses_is_400_and_changes_nothing(finance):
    rule = _rule(valid_from=date(2026, 6, 1))

    response = finance.patch(f"{RULES}{rule.pk}/", {"valid_to": "2026-05-31"})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"valid_to": ["The end must not be before the start."]}
    rule.refresh_from_db()
    assert rule.valid_to is None


def test_finance_deletes_a_rule_audited_and_again_is_404(finance):
    rule = _rule()
    url = f"{RULES}{rule.pk}/"

    deleted = finance.delete(url)
    again = finance.delete(url)

    assert deleted.status_code == 204 and deleted.content == b""
    assert again.status_code == 404 and error_of(again)["code"] == "not_found"
    assert not RatingRule.objects.exists()
    entry = AuditEntry.objects.get(action="billing.rule_delete")
    assert entry.object_id == str(rule.pk) and entry.before["percent"] == "10.00"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_unknown_rule_is_404(finance, method):
    response = getattr(finance, method)(f"{RULES}999999/")

    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_rules_are_listed_as_on_the_page_and_filtered_by_kind(finance):
    fee = _rule(kind=RatingRule.Kind.FIXED_FEE, amount=Decimal("25"))
    default = _rule()
    alpha = _rule(customer_id=ALPHA, percent=Decimal("-5"))

    every = finance.get(RULES).json()["results"]
    fees = finance.get(RULES, {"kind": "fixed_fee"}).json()["results"]
    bad = finance.get(RULES, {"kind": "bonus"})

    assert [row["id"] for row in every] == [fee.pk, default.pk, alpha.pk]  # kind, then customer (blank first)
    assert [row["id"] for row in fees] == [fee.pk]
    assert bad.status_code == 400 and "kind" in error_of(bad)["fields"]


def test_rule_list_queries_do_not_grow_with_the_rows(finance, django_assert_num_queries):
    finance.get("/api/v1/me/")  # last_used_at written once; not counted below

    for rules in (2, 30):
        for n in range(RatingRule.objects.count(), rules):
            _rule(customer_id=f"customer-{n:03d}")
        # The token with its user, the Finance group, the page.
        with django_assert_num_queries(3):
            rows = finance.get(RULES, {"page_size": 100}).json()["results"]
        assert len(rows) == rules


# --- the preview -----------------------------------------------------------------------------------


def test_the_preview_of_a_new_rule_shows_who_pays_what_and_saves_nothing(drafts, finance):
    alpha_bill = drafts.get(cloud_customer_id=ALPHA)

    response = finance.post(
        f"{RULES}preview/", {"customer_id": ALPHA, "percent": "-5", "valid_from": "2026-01-01", "preview_cycle": CYCLE}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["cycle"] == CYCLE and body["customers"] == 2
    assert [row["customer_id"] for row in body["rows"]] == [ALPHA]
    row = body["rows"][0]
    assert row["before"] == str(alpha_bill.total_amount) and Decimal(row["after"]) < Decimal(row["before"])
    assert Decimal(row["change"]) == Decimal(body["change"]) == Decimal(row["after"]) - Decimal(row["before"])
    assert RatingRule.objects.count() == 1 and not AuditEntry.objects.filter(action__startswith="billing.").exists()


def test_the_preview_of_a_change_replaces_the_rule_and_saves_nothing(drafts, finance):
    rule = RatingRule.objects.get()

    response = finance.post(f"{RULES}{rule.pk}/preview/", {"percent": "20", "preview_cycle": CYCLE})

    body = response.json()
    assert response.status_code == 200 and len(body["rows"]) == 2
    assert Decimal(body["after"]) > Decimal(body["before"]) == sum(bill.total_amount for bill in drafts)
    rule.refresh_from_db()
    assert rule.percent == Decimal("10.00")


def test_the_preview_without_a_cycle_tries_the_latest_closed_one(finance):
    response = finance.post(f"{RULES}preview/", {"percent": "5", "valid_from": "2026-01-01"})

    assert response.status_code == 200
    assert response.json() == {
        "cycle": services.latest_closed_cycle(),
        "customers": 0,
        "before": "0.00",
        "after": "0.00",
        "change": "0.00",
        "rows": [],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"percent": "5", "valid_from": "2026-01-01", "preview_cycle": "2026-9"}, "preview_cycle"),
        ({"percent": "5"}, "valid_from"),
    ],
)
def test_a_preview_the_form_refuses_is_400_with_the_field(finance, body, field):
    response = finance.post(f"{RULES}preview/", body)

    assert response.status_code == 400 and field in error_of(response)["fields"]


def test_the_preview_of_an_unknown_rule_is_404(finance):
    assert finance.post(f"{RULES}999999/preview/", {"percent": "5"}).status_code == 404
