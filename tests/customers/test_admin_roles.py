"""Roles: Operations may change budgets and freezes; Finance and Support see customers read-only."""

from __future__ import annotations

import pytest

from partner_portal.roles import FINANCE, OPERATIONS, SUPPORT
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

STAFF_PERMISSIONS = ["customers.change_budget", "customers.freeze_customer", "customers.sync_customers"]


@pytest.mark.parametrize(
    ("group_name", "allowed"),
    [(OPERATIONS, True), (FINANCE, False), (SUPPORT, False)],
)
def test_only_operations_change_budgets_freeze_and_sync(group_name, allowed):
    staff = StaffUserFactory(group=group_name)

    assert all(staff.has_perm(p) == allowed for p in STAFF_PERMISSIONS)
    assert staff.has_perm("customers.view_customer")


@pytest.mark.parametrize(("group_name", "allowed"), [(OPERATIONS, True), (FINANCE, True), (SUPPORT, False)])
def test_who_reads_the_audit_log(group_name, allowed):
    staff = StaffUserFactory(group=group_name)

    assert staff.has_perm("partner_portal.view_auditentry") == allowed
    assert not staff.has_perm("partner_portal.change_auditentry")
