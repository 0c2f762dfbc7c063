"""Reads of tickets shared by the pages, the support queue and the admin."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from tickets.models import Ticket, TicketAttachment, TicketCatalogue, TicketReadMarker


def catalogue(*, language: str | None = None) -> list[dict]:
    """The form's catalogue in the active language (English when that one was never fetched)."""
    language = language or translation.get_language() or "en"
    wanted = "zh-hans" if language.lower().startswith("zh") else "en"
    rows = {row.language: row.data for row in TicketCatalogue.objects.filter(language__in=[wanted, "en"])}
    return rows.get(wanted) or rows.get("en") or []


def is_support(user) -> bool:
    """Support staff: the queue, every ticket's page and its files."""
    return bool(user is not None and user.is_staff and user.has_perm("tickets.view_ticket"))


def _with_unread(queryset: QuerySet[Ticket], user) -> QuerySet[Ticket]:
    seen = TicketReadMarker.objects.filter(ticket=OuterRef("pk"), user=user).values("seen_reply_count")[:1]
    return queryset.annotate(unread=F("reply_count") - Coalesce(Subquery(seen, output_field=IntegerField()), Value(0)))


def tickets_for_customer(*, customer, user) -> QuerySet[Ticket]:
    """A customer's tickets (opened on our site or found in HUAWEI CLOUD, not deleted), newest activity
    first, with `unread` replies for `user`."""
    queryset = (
        Ticket.objects.mirrored()
        .filter(customer=customer)
        .only(
            "pk",
            "incident_id",
            "subject",
            "status",
            "product_category_name",
            "business_type_name",
            "last_activity_at",
            "created_at",
            "reply_count",
            "customer_id",
            "creation",
        )
    )
    return _with_unread(queryset, user)


def tickets_queue(
    *,
    user,
    status: int | None = None,
    customer: str = "",
    older_than_days: int | None = None,
    partner_only: bool = False,
) -> QuerySet[Ticket]:
    """Every mirrored ticket for support staff, filtered by state, customer (account name) and age."""
    queryset = Ticket.objects.mirrored().select_related("customer")
    if status is not None:
        queryset = queryset.filter(status=status)
    if partner_only:
        queryset = queryset.filter(customer__isnull=True)
    elif customer:
        queryset = queryset.filter(customer__account_name__icontains=customer)
    if older_than_days:
        queryset = queryset.filter(created_at__lt=timezone.now() - timedelta(days=older_than_days))
    return _with_unread(queryset, user).order_by("created_at", "pk")


def ticket_for_user(*, user, pk: int) -> Ticket | None:
    """The ticket if `user` may see it: its customer's own user, or staff with view_ticket. Else None."""
    ticket = Ticket.objects.mirrored().filter(pk=pk).select_related("customer").first()
    if ticket is None:
        return None
    if is_support(user):
        return ticket
    if ticket.customer is not None and ticket.customer.user_id == user.pk:
        return ticket
    return None


def user_may_act(*, user, ticket: Ticket) -> bool:
    if ticket.customer is not None and ticket.customer.user_id == user.pk:
        return True
    return user.is_staff and user.has_perm("tickets.change_ticket")


def attachment_for_user(*, user, ticket_pk: int, pk: int) -> TicketAttachment | None:
    ticket = ticket_for_user(user=user, pk=ticket_pk)
    if ticket is None:
        return None
    return TicketAttachment.objects.filter(pk=pk, ticket=ticket).select_related("ticket__customer").first()
