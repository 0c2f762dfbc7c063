"""Tickets, their messages, and the actions HUAWEI CLOUD allows."""

from __future__ import annotations

from rest_framework import serializers

from tickets.models import Status, Ticket, TicketMessage
from tickets.services import ACTION_LABELS, DESCRIPTION_MAX_LENGTH, SUBJECT_MAX_LENGTH


class TicketSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices, allow_null=True)
    status_label = serializers.CharField(source="get_status_display", allow_null=True)
    customer = serializers.IntegerField(source="customer_id", allow_null=True, help_text="null: the partner itself.")
    unread = serializers.IntegerField(required=False, help_text="Replies you have not read yet.")
    creation = serializers.ChoiceField(
        choices=Ticket.Creation.choices,
        help_text="created: opened on this site; imported: raised in the HUAWEI CLOUD console or Partner Center.",
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "incident_id",
            "subject",
            "status",
            "status_label",
            "customer",
            "creation",
            "product_category_name",
            "business_type_name",
            "reply_count",
            "unread",
            "last_activity_at",
            "created_at",
        ]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "description",
            "severity_name",
            "region_id",
            "contact_email",
            "contact_mobile",
        ]
        read_only_fields = fields


class TicketCreateSerializer(serializers.Serializer):
    """Checked by the ticket form of the pages, against the catalogue of products and problem types."""

    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
    product = serializers.CharField(max_length=64, help_text="A product id of the ticket catalogue.")
    problem_type = serializers.CharField(max_length=64, help_text="A problem type id of that product.")
    severity = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    template = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, help_text="With the subject, what HUAWEI CLOUD takes (2000 characters)."
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    customer = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Staff only: the customer; null: the partner itself."
    )


class TicketMessageSerializer(serializers.ModelSerializer):
    author_label = serializers.CharField(source="get_author_display")

    class Meta:
        model = TicketMessage
        fields = ["id", "author", "author_label", "replier_name", "content", "confidential", "created_at"]
        read_only_fields = fields


class TicketMessageCreateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=2000)
    confidential = serializers.BooleanField(default=False)


class TicketActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(ACTION_LABELS))
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
