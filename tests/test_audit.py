"""The audit log: append-only through the ORM's normal paths, read-only in the admin, searchable, exportable."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from partner_portal import audit
from partner_portal.models import AppendOnlyError, AuditEntry
from partner_portal.roles import FINANCE, OPERATIONS, SUPPORT
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def an_entry(**kwargs):
    customer = kwargs.pop("obj", None) or CustomerFactory()
    defaults = {
        "action": "budget.set",
        "obj": customer,
        "before": {"budget_amount": "1000.00"},
        "after": {"budget_amount": "1500.00"},
        "reason": "Raised for the campaign",
    }
    return audit.record(**{**defaults, **kwargs})


def test_record_keeps_who_what_object_before_after_when_and_ip():
    staff = StaffUserFactory(username="olga")
    customer = CustomerFactory(account_name="acme-retail")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    request.user = staff

    entry = audit.record(action="budget.set", request=request, obj=customer, before={"a": 1}, after={"a": 2})

    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor, entry.actor_name, entry.action) == (staff, "olga", "budget.set")
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "customers.customer",
        str(customer.pk),
        "acme-retail",
    )
    assert (entry.before, entry.after, entry.ip) == ({"a": 1}, {"a": 2}, "203.0.113.7")
    assert entry.at is not None


def test_the_client_address_behind_our_proxy(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")

    assert audit.client_ip(request) == "203.0.113.9"


def test_an_entry_cannot_be_changed_or_deleted():
    entry = an_entry()
    entry.reason = "rewritten"

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    # bulk_update runs in a transaction of its own, which the refusal rolls back.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["reason"])
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()

    assert AuditEntry.objects.get(pk=entry.pk).reason == "Raised for the campaign"


@pytest.mark.parametrize("group_name", [OPERATIONS, FINANCE])
def test_staff_read_the_log_but_cannot_add_change_or_delete(client, group_name):
    entry = an_entry()
    client.force_login(StaffUserFactory(group=group_name))

    changelist = client.get(reverse("admin:partner_portal_auditentry_changelist"))
    detail = client.get(reverse("admin:partner_portal_auditentry_change", args=[entry.pk]))
    add = client.get(reverse("admin:partner_portal_auditentry_add"))
    delete = client.post(reverse("admin:partner_portal_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    change = client.post(reverse("admin:partner_portal_auditentry_change", args=[entry.pk]), {"reason": "x"})

    assert changelist.status_code == detail.status_code == 200
    assert add.status_code == delete.status_code == change.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Raised for the campaign"
    assert "delete_selected" not in changelist.content.decode()


def test_no_role_has_more_than_view_on_the_log():
    codenames = set(
        Group.objects.filter(permissions__content_type__model="auditentry").values_list(
            "permissions__codename", flat=True
        )
    )
    assert codenames == {"view_auditentry"}


def test_support_does_not_see_the_log(client):
    client.force_login(StaffUserFactory(group=SUPPORT))

    assert client.get(reverse("admin:partner_portal_auditentry_changelist")).status_code == 403


def test_search_finds_entries_by_reason_and_object(client):
    an_entry(reason="Quarter-end top-up", obj=CustomerFactory(account_name="kopi-corner"))
    an_entry(reason="Something else", obj=CustomerFactory(account_name="orbit-analytics"))
    client.force_login(StaffUserFactory(group=OPERATIONS))
    url = reverse("admin:partner_portal_auditentry_changelist")

    by_reason = client.get(url, {"q": "top-up"}).content.decode()
    by_object = client.get(url, {"q": "orbit"}).content.decode()

    assert "kopi-corner" in by_reason and "orbit-analytics" not in by_reason
    assert "orbit-analytics" in by_object and "kopi-corner" not in by_object


def test_csv_export_streams_the_selected_entries(client):
    first = an_entry(reason="=HYPERLINK(evil)")
    second = an_entry(action="customer.freeze", before={"is_frozen": False}, after={"is_frozen": True})
    client.force_login(StaffUserFactory(group=FINANCE))

    response = client.post(
        reverse("admin:partner_portal_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": [first.pk, second.pk]},
    )

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["budget.set", "customer.freeze"]
    assert rows[0]["reason"] == "'=HYPERLINK(evil)"  # a formula would run in a spreadsheet
    assert rows[1]["after"] == '{"is_frozen": true}'
