"""Service tickets (OSM, reference 7): tickets, their messages, uploaded attachments and the operation log.

A ticket belongs to the account that signed the call that created it: the partner itself
(`customer` is None) or one of its customers. Every row hangs off `sandbox.Partner`, so a world reset
wipes it through the cascade.
"""

from __future__ import annotations

from django.db import models

from sandbox.models import Customer, Partner


class Accessory(models.Model):
    """A file uploaded with `upload_accessory`, attachable to the owner's tickets and messages."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="ticket_accessories")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="ticket_accessories"
    )
    accessory_id = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    form_data = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["accessory_id"], name="sandbox_ticket_accessory_id_unique")]
        ordering = ["id"]

    def __str__(self):
        return f"{self.file_name} ({self.accessory_id})"


class Ticket(models.Model):
    class Status(models.IntegerChoices):
        PENDING_ACCEPTANCE = 0, "pending acceptance"
        PROCESSING = 1, "processing"
        PENDING_CONFIRMATION = 2, "pending confirmation"
        COMPLETED = 3, "completed"
        CANCELLED = 4, "cancelled"
        INVALID = 12, "invalid"
        PENDING_FEEDBACK = 17, "pending feedback"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tickets")
    # None: the partner's own ticket; else the customer whose identity created it.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="tickets")
    incident_id = models.CharField(max_length=32)
    incident_sub_type_id = models.CharField(max_length=64)
    product_category_id = models.CharField(max_length=64)
    business_type_id = models.CharField(max_length=64)
    severity_id = models.CharField(max_length=16, blank=True)
    region_id = models.CharField(max_length=64, blank=True)
    project_id = models.CharField(max_length=64, blank=True)
    simple_description = models.TextField()
    source_id = models.CharField(max_length=64, blank=True)
    remind_mobile = models.CharField(max_length=32, blank=True)
    remind_mail = models.CharField(max_length=254, blank=True)
    remind_time = models.CharField(max_length=16, blank=True)
    area_code = models.CharField(max_length=8, blank=True)
    extends_map = models.JSONField(default=dict, blank=True)
    label_ids = models.JSONField(default=list, blank=True)
    status = models.IntegerField(choices=Status.choices, default=Status.PENDING_ACCEPTANCE)
    # Set when the owner closes the ticket (update_cases action_id=close).
    judgement = models.TextField(blank=True)
    satisfaction = models.JSONField(default=list, blank=True)
    root_cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_pressed_at = models.DateTimeField(null=True, blank=True)
    # update_cases action_id=delete: gone from every query, kept for the control API.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident_id"], name="sandbox_ticket_incident_id_unique")]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.incident_id

    @property
    def owner_domain_id(self) -> str:
        return self.customer.customer_id if self.customer_id else self.partner.domain_id

    @property
    def owner_domain_name(self) -> str:
        return self.customer.domain_name if self.customer_id else self.partner.domain_name


class TicketMessage(models.Model):
    class Type(models.IntegerChoices):
        CUSTOMER = 0, "customer"
        ENGINEER = 1, "HUAWEI CLOUD engineer"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    type = models.IntegerField(choices=Type.choices)
    # Reference 7: replier_type adds 2 (third party) to the message types.
    replier_type = models.IntegerField()
    replier = models.CharField(max_length=64)
    replier_name = models.CharField(max_length=128)
    content = models.TextField()
    is_first_message = models.BooleanField(default=False)
    accessories = models.ManyToManyField(Accessory, blank=True, related_name="messages")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"message {self.pk} on {self.ticket_id}"


class TicketOperationLog(models.Model):
    """What happened to a ticket, for `list_case_operate_logs` and the control API."""

    class OperateType(models.IntegerChoices):
        CREATE = 1, "create"
        MESSAGE = 2, "customer message"
        REPLY = 3, "engineer reply"
        PRESS = 4, "urge"
        CLOSE = 5, "close"
        CANCEL = 6, "cancel"
        DELETE = 7, "delete"
        STATUS = 8, "status change"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="operation_logs")
    operate_type = models.IntegerField(choices=OperateType.choices)
    operator_type = models.IntegerField()  # 0 the ticket's owner, 1 HUAWEI CLOUD
    operator_id = models.CharField(max_length=64)
    operator_name = models.CharField(max_length=128)
    operate_desc = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_operate_type_display()} on {self.ticket_id}"
