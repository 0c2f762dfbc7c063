"""Staff roles, the admin they use, and the demo seed."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from customers.models import Customer, RealNameApplication
from partner_portal.models import WorkerHeartbeat
from partner_portal.roles import FINANCE, OPERATIONS, ROLES, SUPPORT, sync_staff_groups
from tests.factories import CustomerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CUSTOMER_ACTIONS = {"view", "add", "change", "delete"}


def customer_actions(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        perm.codename.removesuffix("_customer")
        for perm in group.permissions.filter(
            content_type__app_label="customers",
            content_type__model="customer",
            # The model actions; custom ones (budgets, freezes) are tested in tests/customers/test_admin_roles.py.
            codename__in=[f"{action}_customer" for action in CUSTOMER_ACTIONS],
        )
    }


def test_the_migration_made_the_three_staff_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {OPERATIONS, FINANCE, SUPPORT}


def test_operations_can_change_customers():
    assert customer_actions(OPERATIONS) == {"view", "change"}


@pytest.mark.parametrize("group_name", [FINANCE, SUPPORT])
def test_finance_and_support_can_only_view_customers(group_name):
    assert customer_actions(group_name) == {"view"}


def test_sync_is_idempotent_and_keeps_permissions_granted_by_hand():
    support = Group.objects.get(name=SUPPORT)
    extra = Group.objects.get(name=OPERATIONS).permissions.get(codename="change_customer")
    support.permissions.add(extra)
    before = {name: Group.objects.get(name=name).permissions.count() for name in ROLES}

    sync_staff_groups()
    sync_staff_groups()

    after = {name: Group.objects.get(name=name).permissions.count() for name in ROLES}
    assert after == before
    assert support.permissions.filter(pk=extra.pk).exists()


@pytest.mark.parametrize("group_name", [OPERATIONS, FINANCE, SUPPORT])
def test_staff_of_each_group_can_open_the_admin_and_the_customers(client, group_name):
    customer = CustomerFactory()
    client.force_login(StaffUserFactory(group=group_name))

    index = client.get(reverse("admin:index"))
    changelist = client.get(reverse("admin:customers_customer_changelist"))
    search = client.get(reverse("admin:customers_customer_changelist"), {"q": customer.customer_id})

    assert index.status_code == 200
    assert "Partner Portal administration" in index.content.decode()
    assert changelist.status_code == 200
    assert customer.account_name in search.content.decode()


class _FormFields(HTMLParser):
    """What a browser would submit from the page's form with id `form_id` (inputs, selects, textareas)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value") or ("on" if kind in {"checkbox", "radio"} else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            self.data[-1] = (self._textarea, self.data[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def admin_form_data(html: str, form_id: str) -> dict[str, list[str]]:
    parser = _FormFields(form_id)
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


@pytest.mark.parametrize(("group_name", "can_change"), [(OPERATIONS, True), (FINANCE, False), (SUPPORT, False)])
def test_only_operations_can_save_a_customer(client, group_name, can_change):
    customer = CustomerFactory()
    # An inline row too (the real-name history), so the inline's management form counts one.
    RealNameApplication.objects.create(
        customer=customer, method=RealNameApplication.Method.INDIVIDUAL, name="Lee Mei Ling", number_masked="*****5432"
    )
    client.force_login(StaffUserFactory(group=group_name))
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200
    # What the browser would send: the page's own form, inline management forms included.
    data = admin_form_data(page.content.decode(), "customer_form")

    response = client.post(url, {**data, "_save": "Save"})

    assert data["realname_applications-TOTAL_FORMS"] == ["1"]
    assert response.status_code == (302 if can_change else 403)
    assert RealNameApplication.objects.get().customer == customer


def test_mirrored_customer_fields_are_read_only_in_the_admin(client):
    customer = CustomerFactory(real_name_status=Customer.RealNameStatus.APPROVED)
    client.force_login(StaffUserFactory(group=OPERATIONS))
    url = reverse("admin:customers_customer_change", args=[customer.pk])

    client.post(url, {"user": customer.user.pk, "real_name_status": "-1", "customer_id": "changed", "_save": "Save"})

    customer.refresh_from_db()
    assert customer.real_name_status == Customer.RealNameStatus.APPROVED
    assert customer.customer_id != "changed"


def test_nobody_adds_customers_or_heartbeats_by_hand(admin_client):
    assert admin_client.get(reverse("admin:customers_customer_add")).status_code == 403
    assert admin_client.get(reverse("admin:partner_portal_workerheartbeat_add")).status_code == 403


def test_heartbeats_are_read_only_in_the_admin(admin_client):
    from django.utils import timezone

    beat = WorkerHeartbeat.objects.create(name="beat", beaten_at=timezone.now())
    url = reverse("admin:partner_portal_workerheartbeat_change", args=[beat.pk])

    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": "changed"}).status_code == 403


def test_customer_cannot_open_the_admin(client):
    client.force_login(CustomerFactory().user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302


# --- seed_demo -------------------------------------------------------------------------------


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")


def test_seed_demo_is_idempotent(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    User = get_user_model()

    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), Customer.objects.count(), Group.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert (User.objects.count(), Customer.objects.count(), Group.objects.count()) == counts
    assert counts[0] == 5
    customer = Customer.objects.get(customer_id="5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a")
    assert customer.user.username == "demo-customer"
    assert customer.xaccount_id == "pp-demo-customer"
    assert customer.binding == Customer.Binding.BOUND
    assert customer.real_name_status == "2"
    assert User.objects.get(username="admin").is_superuser
    for username, group in [("ops", OPERATIONS), ("finance", FINANCE), ("support", SUPPORT)]:
        user = User.objects.get(username=username)
        assert user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.check_password("demo-pass-2026")


def test_seed_demo_uses_demo_password_and_prints_the_logins(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "another-Pa55word")

    call_command("seed_demo", force=True)

    out = capsys.readouterr().out
    assert "another-Pa55word" in out
    for username in ("admin", "ops", "finance", "support", "demo-customer"):
        assert username in out
    assert get_user_model().objects.get(username="demo-customer").check_password("another-Pa55word")
