"""Who may see and do what: the same rules as the pages.

* A customer's token (or session) sees that customer only; every customer-scoped object of another
  customer is a 404, never a 403.
* A staff token follows the staff member's model permissions (the staff groups, partner_portal.roles);
  on customer-scoped endpoints staff name the customer with `?customer=<id>`.
* Finance endpoints (partner bills, reconciliation, every customer bill) follow the Finance pages:
  Finance staff and superusers (`billing.selectors.is_finance`), nobody else.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import exceptions, permissions

from api.exceptions import ApiError
from billing.selectors import is_finance
from customers.models import Customer

NO_ACCESS = "This account has no customer profile and no staff permission for this."


def customer_of(user) -> Customer | None:
    """The user's own customer, or None (staff, or a sign-in not linked to a customer)."""
    if not user or not user.is_authenticated:
        return None
    try:
        return user.customer
    except ObjectDoesNotExist:
        return None


def is_staff_with(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm(permission))


def _bound(customer: Customer) -> Customer:
    # As on the pages: orders, resources and usage exist only once the HUAWEI CLOUD account is bound.
    if customer.binding != Customer.Binding.BOUND or not customer.customer_id:
        raise exceptions.NotFound("This customer has no HUAWEI CLOUD account yet.")
    return customer


def customer_param(request, *, required: bool = True) -> Customer | None:
    """The customer a staff request names with `?customer=<id>` (404 when there is none)."""
    raw = request.query_params.get("customer", "")
    if not raw:
        if required:
            raise ApiError(
                "The request has errors; see fields.",
                fields={"customer": ["Staff name the customer: ?customer=<id>."]},
            )
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ApiError("The request has errors; see fields.", fields={"customer": ["A customer id (a number)."]})
    customer = Customer.objects.filter(pk=int(raw)).first()
    if customer is None:
        raise exceptions.NotFound("No such customer.")
    return customer


def acting_customer(request, *, staff_permission: str) -> Customer:
    """The customer a customer-scoped request is about: the caller's own, or the one staff name."""
    own = customer_of(request.user)
    if own is not None:
        return _bound(own)
    if is_staff_with(request.user, staff_permission):
        return _bound(customer_param(request))
    raise exceptions.PermissionDenied(NO_ACCESS)


def own_customer(request) -> Customer:
    """Actions only the customer takes on the pages (pay, cancel, unsubscribe): staff are refused."""
    own = customer_of(request.user)
    if own is None:
        raise exceptions.PermissionDenied("Only the customer can do this.")
    return _bound(own)


class StaffPermission(permissions.BasePermission):
    """Staff-only endpoints: the view's `staff_permission` ("app_label.codename")."""

    message = "Your staff groups do not allow this."

    def has_permission(self, request, view):
        return is_staff_with(request.user, view.staff_permission)


class FinancePermission(permissions.BasePermission):
    """Finance endpoints: as the Finance pages decide (`finance_required`)."""

    message = "Only Finance staff can do this."

    def has_permission(self, request, view):
        return is_finance(request.user)
