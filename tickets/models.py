"""Service tickets: local mirrors of HUAWEI CLOUD (OSM) tickets, their messages, attachments and state history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.IntegerChoices):
    # HUAWEI CLOUD's ticket `status` (reference 7).
    PENDING_ACCEPTANCE = 0, _("Pending acceptance")
    PROCESSING = 1, _("Processing")
    PENDING_CONFIRMATION = 2, _("Pending your confirmation")
    COMPLETED = 3, _("Completed")
    CANCELLED = 4, _("Cancelled")
    PAUSED = 5, _("Paused")
    INVALID = 12, _("Invalid")
    PENDING_FEEDBACK = 17, _("Pending your feedback")


FINISHED_STATUSES = (Status.COMPLETED, Status.CANCELLED, Status.INVALID)


class TicketCatalogue(models.Model):
    """What the "new ticket" form offers, as HUAWEI CLOUD named it in one language (refreshed daily)."""

    language = models.CharField(max_length=16, unique=True)
    data = models.JSONField(default=list)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket catalogue")
        verbose_name_plural = _("ticket catalogues")

    def __str__(self) -> str:
        return self.language


class TicketQuerySet(models.QuerySet):
    def mirrored(self):
        """Tickets HUAWEI CLOUD holds: opened on our site or found there, not deleted."""
        return self.filter(creation__in=Ticket.MIRRORED_CREATIONS, incident_id__isnull=False, deleted_at__isnull=True)


class Ticket(models.Model):
    class Creation(models.TextChoices):
        # PENDING: the row is claimed (idempotency key) and HUAWEI CLOUD has not confirmed a ticket yet.
        PENDING = "pending", _("Being created")
        CREATED = "created", _("Created")
        # Raised outside our site (the HUAWEI CLOUD console, Partner Center) and found by tickets_discover.
        IMPORTED = "imported", _("Found in HUAWEI CLOUD")

    MIRRORED_CREATIONS = (Creation.CREATED, Creation.IMPORTED)

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )  # None: the partner's own ticket
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    incident_id = models.CharField(_("ticket number"), max_length=64, unique=True, null=True, blank=True)
    creation = models.CharField(max_length=16, choices=Creation.choices, default=Creation.PENDING)
    # Set while one request is calling create_cases; another request with the same key waits.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # The last create call got no answer after it was sent: look the ticket up before creating again.
    outcome_unclear = models.BooleanField(default=False)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    category_id = models.CharField(max_length=64)
    product_category_id = models.CharField(max_length=64)
    product_category_name = models.CharField(_("product"), max_length=200, blank=True)
    business_type_id = models.CharField(max_length=64)
    business_type_name = models.CharField(_("problem type"), max_length=200, blank=True)
    severity_id = models.CharField(max_length=64, blank=True)
    severity_name = models.CharField(_("severity"), max_length=200, blank=True)
    region_id = models.CharField(_("region"), max_length=64, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_mobile = models.CharField(_("contact mobile"), max_length=32, blank=True)
    status = models.IntegerField(_("state"), choices=Status.choices, null=True, blank=True)
    # Replies from HUAWEI CLOUD so far; a user's read marker remembers how many they have seen.
    reply_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(_("last update"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    # Claimed by the periodic sync before it asks HUAWEI CLOUD (services.tickets_sync).
    sync_attempted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-pk"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [models.Index(fields=["customer", "-last_activity_at"], name="ticket_customer_activity")]

    def __str__(self) -> str:
        return self.incident_id or self.subject

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def is_imported(self) -> bool:
        return self.creation == self.Creation.IMPORTED


class TicketMessage(models.Model):
    class Author(models.IntegerChoices):
        # HUAWEI CLOUD's message `type` / `replier_type`.
        CUSTOMER = 0, _("Customer")
        ENGINEER = 1, _("HUAWEI CLOUD engineer")
        THIRD_PARTY = 2, _("Third party")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    # HUAWEI CLOUD's message id; None while a message we sent has not come back in a sync.
    message_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (unique when set)
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    author = models.IntegerField(choices=Author.choices, default=Author.CUSTOMER)
    replier_name = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    # OSM has no field for confidential content: the flag is ours only (never emailed, masked in lists).
    confidential = models.BooleanField(_("confidential"), default=False)
    is_first_message = models.BooleanField(default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Claimed by the one notification that emails it (at most one email per reply).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "message_id"], condition=models.Q(message_id__isnull=False), name="ticket_message_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_author_display()}"

    @property
    def from_cloud(self) -> bool:
        return self.author != self.Author.CUSTOMER


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    accessory_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    # Our copy of a file we uploaded; blank for HUAWEI CLOUD's files (fetched when downloaded).
    storage_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")

    def __str__(self) -> str:
        return self.name


class TicketEvent(models.Model):
    """One state of a ticket's history, as HUAWEI CLOUD reported it or as our action caused it."""

    class Source(models.TextChoices):
        CREATED = "created", _("Opened")
        SYNC = "sync", _("HUAWEI CLOUD")
        ACTION = "action", _("Your action")
        # The state a ticket raised outside our site had when we found it (never emailed).
        IMPORTED = "imported", _("Found in HUAWEI CLOUD")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    status = models.IntegerField(choices=Status.choices, null=True, blank=True)
    previous_status = models.IntegerField(choices=Status.choices, null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    action = models.CharField(max_length=16, blank=True)  # press | close | cancel | delete
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_status_display()}"


class TicketReadMarker(models.Model):
    """How many HUAWEI CLOUD replies a user has seen on a ticket: the rest are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="read_markers")
    seen_reply_count = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="ticket_read_marker_user_ticket")]

    def __str__(self) -> str:
        return f"{self.user} · {self.ticket}"


class TicketDiscovery(models.Model):
    """Where the search for tickets raised outside our site stands, for one customer or the partner itself.

    `covered_until`: every ticket HUAWEI CLOUD had created before then is mirrored, so the next run asks
    only for the tickets created since (less services.DISCOVERY_OVERLAP). `claimed_at`: the run in
    progress claimed the row then, or last reported progress (services.tickets_discover); None when
    no run is in progress.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )  # None: the partner's own tickets
    covered_until = models.DateTimeField(_("tickets known up to"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("last run"), null=True, blank=True)
    found = models.PositiveIntegerField(_("tickets found by the last run"), default=0)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("ticket discovery")
        verbose_name_plural = _("ticket discoveries")
        constraints = [
            # One row per owner, the partner (no customer) included.
            models.UniqueConstraint(Coalesce("customer", models.Value(0)), name="ticket_discovery_owner")
        ]

    def __str__(self) -> str:
        return str(self.customer_id or "partner")
