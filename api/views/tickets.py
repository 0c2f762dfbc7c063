"""Tickets: list, create, detail, messages, actions (tickets.selectors and tickets.services)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from api.exceptions import ApiError, refusal
from api.idempotency import idempotent, service_key
from api.permissions import customer_of, is_staff_with
from api.serializers.tickets import (
    TicketActionSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketMessageCreateSerializer,
    TicketMessageSerializer,
    TicketSerializer,
)
from api.views.base import ApiView, ordering_field
from api.views.customers import page_example
from api.views.orders import IDEMPOTENCY_PARAM
from tickets import selectors, services
from tickets.forms import TicketForm
from tickets.models import Status

TICKET_EXAMPLE = {
    "id": 41,
    "incident_id": "CS20260501000123",
    "subject": "Cannot log in to web-1",
    "status": 2,
    "status_label": "Processing",
    "customer": 12,
    "creation": "created",
    "product_category_name": "Elastic Cloud Server",
    "business_type_name": "Login issues",
    "reply_count": 1,
    "unread": 1,
    "last_activity_at": "2026-05-01T15:20:00Z",
    "created_at": "2026-05-01T15:00:00Z",
}
TICKET_DETAIL_EXAMPLE = {
    **TICKET_EXAMPLE,
    "description": "SSH times out since 14:50 UTC.",
    "severity_name": "Major",
    "region_id": "ap-southeast-1",
    "contact_email": "ops@acme.example",
    "contact_mobile": "",
}

TICKET_ORDERINGS = {
    "-last_activity_at": ["-last_activity_at"],
    "-created_at": ["-created_at"],
    "created_at": ["created_at"],
}


class TicketQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_null=True, default=None)
    customer_name = serializers.CharField(
        required=False, max_length=64, default="", help_text="Staff: part of the customer's account name."
    )
    ordering = ordering_field(TICKET_ORDERINGS)


def _ticket(request, pk: int):
    ticket = selectors.ticket_for_user(user=request.user, pk=pk)
    if ticket is None:
        raise exceptions.NotFound("No such ticket.")
    return ticket


class TicketListView(ApiView):
    query_serializer_class = TicketQuery
    orderings = TICKET_ORDERINGS

    @extend_schema(
        operation_id="tickets_list",
        summary="Tickets",
        description="A customer's own tickets; staff with `tickets.view_ticket` see the support queue.",
        parameters=[TicketQuery],
        responses=TicketSerializer(many=True),
        examples=[page_example(TICKET_EXAMPLE)],
    )
    def get(self, request):
        query = self.query()
        customer = customer_of(request.user)
        if customer is not None:
            tickets = selectors.tickets_for_customer(customer=customer, user=request.user)
            if query["status"] is not None:
                tickets = tickets.filter(status=query["status"])
        elif is_staff_with(request.user, "tickets.view_ticket"):
            tickets = selectors.tickets_queue(
                user=request.user, status=query["status"], customer=query["customer_name"]
            )
        else:
            raise exceptions.PermissionDenied("This account has no customer profile and no staff permission for this.")
        return self.list_response(tickets, TicketSerializer)

    @extend_schema(
        operation_id="tickets_create",
        summary="Open a ticket at HUAWEI CLOUD",
        description="Checked against the ticket catalogue like the page's form (products, problem types, "
        "severities, templates). Once per Idempotency-Key. Staff with `tickets.add_ticket` may name a customer.",
        parameters=[IDEMPOTENCY_PARAM],
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer},
        examples=[
            OpenApiExample(
                "A login problem",
                value={
                    "subject": "Cannot log in to web-1",
                    "product": "ecs",
                    "problem_type": "ecs-login",
                    "severity": "major",
                    "description": "SSH times out since 14:50 UTC.",
                    "contact_email": "ops@acme.example",
                },
                request_only=True,
            ),
            OpenApiExample("Opened", value=TICKET_DETAIL_EXAMPLE, response_only=True),
        ],
    )
    @idempotent
    def post(self, request):
        customer = customer_of(request.user)
        staff = customer is None and is_staff_with(request.user, "tickets.add_ticket")
        if customer is None and not staff:
            raise exceptions.PermissionDenied("This account has no customer profile and no staff permission for this.")
        serializer = TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {
            key: ("" if value is None else value)
            for key, value in serializer.validated_data.items()
            if key != "customer" or staff
        }
        data["idempotency_key"] = str(service_key(request))
        # The page's form: the same catalogue checks, the same template rule.
        form = TicketForm(data, catalogue=selectors.catalogue(), staff=staff)
        if not form.is_valid():
            raise ApiError(
                "The request has errors; see fields.",
                fields={name: [str(message) for message in errors] for name, errors in form.errors.items()},
            )
        target = form.cleaned_data.get("customer") if staff else customer
        kwargs = form.service_kwargs()
        try:
            ticket = services.ticket_open(customer=target, created_by=request.user, request=request, **kwargs)
        except services.TicketInProgress as exc:
            raise ApiError(exc.message, status_code=409, code="in_progress") from exc
        except services.TicketRefused as exc:
            raise refusal(exc, exc.message) from exc
        return Response(TicketDetailSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketDetailView(ApiView):
    @extend_schema(
        operation_id="tickets_retrieve",
        summary="One ticket",
        responses=TicketDetailSerializer,
        examples=[OpenApiExample("A ticket", value=TICKET_DETAIL_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        return Response(TicketDetailSerializer(_ticket(request, pk)).data)


MESSAGE_EXAMPLE = {
    "id": 301,
    "author": 1,
    "author_label": "HUAWEI CLOUD engineer",
    "replier_name": "Li Wei",
    "content": "Please check the security group allows port 22.",
    "confidential": False,
    "created_at": "2026-05-01T15:20:00Z",
}


class TicketMessagesView(ApiView):
    orderings = {"created_at": ["created_at"]}

    @extend_schema(
        operation_id="ticket_messages_list",
        summary="A ticket's conversation, oldest first",
        responses=TicketMessageSerializer(many=True),
        examples=[page_example(MESSAGE_EXAMPLE)],
    )
    def get(self, request, pk: int):
        ticket = _ticket(request, pk)
        return self.list_response(ticket.messages.all(), TicketMessageSerializer)

    @extend_schema(
        operation_id="ticket_messages_create",
        summary="Add a message to a ticket",
        description="The ticket's customer, or staff with `tickets.change_ticket`. Refused (409) on a finished ticket.",
        request=TicketMessageCreateSerializer,
        responses={201: TicketMessageSerializer},
        examples=[
            OpenApiExample("A reply", value={"content": "Port 22 is open; still failing."}, request_only=True),
            OpenApiExample(
                "Sent",
                value={**MESSAGE_EXAMPLE, "author": 0, "author_label": "Customer", "replier_name": ""},
                response_only=True,
            ),
        ],
    )
    def post(self, request, pk: int):
        ticket = _ticket(request, pk)
        if not selectors.user_may_act(user=request.user, ticket=ticket):
            raise exceptions.NotFound("No such ticket.")
        serializer = TicketMessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = services.ticket_message_add(
                ticket=ticket,
                user=request.user,
                idempotency_key=service_key(request),
                content=serializer.validated_data["content"],
                confidential=serializer.validated_data["confidential"],
                request=request,
            )
        except services.TicketRefused as exc:
            raise refusal(exc, exc.message, default_status=409) from exc
        return Response(TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class TicketActionView(ApiView):
    @extend_schema(
        operation_id="tickets_action",
        summary="Urge, close, cancel or delete a ticket",
        description="Only in the states HUAWEI CLOUD allows (409 otherwise).",
        request=TicketActionSerializer,
        responses=TicketDetailSerializer,
        examples=[
            OpenApiExample("Close", value={"action": "close", "reason": "Solved, thanks."}, request_only=True),
            OpenApiExample(
                "Closed", value={**TICKET_DETAIL_EXAMPLE, "status": 5, "status_label": "Completed"}, response_only=True
            ),
        ],
    )
    def post(self, request, pk: int):
        ticket = _ticket(request, pk)
        if not selectors.user_may_act(user=request.user, ticket=ticket):
            raise exceptions.NotFound("No such ticket.")
        serializer = TicketActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.ticket_action(
                ticket=ticket,
                user=request.user,
                action=serializer.validated_data["action"],
                reason=serializer.validated_data["reason"],
                request=request,
            )
        except services.TicketRefused as exc:
            raise refusal(exc, exc.message, default_status=409) from exc
        return Response(TicketDetailSerializer(ticket).data)
