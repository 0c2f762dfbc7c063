"""Customers: end customers of the partner, each bound to one HUAWEI CLOUD account."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_xaccount_id() -> str:
    """Our own id for a customer, sent as `xaccount_id` when the cloud account is created.

    Made before the cloud call and kept with the customer, so a retry after a timeout or a crash
    sends the same id and binds to the same cloud account (CBC.99000050) instead of a second one.
    """
    return f"pp-{uuid.uuid4().hex}"


class Customer(models.Model):
    class RealNameStatus(models.TextChoices):
        # HUAWEI CLOUD's `verified_status` strings (reference 4.5).
        NOT_SUBMITTED = "-1", _("Not authenticated")
        UNDER_REVIEW = "0", _("Under review")
        REJECTED = "1", _("Rejected")
        APPROVED = "2", _("Authenticated")
        FAILED = "3", _("Failed")

    class CustomerType(models.IntegerChoices):
        NOT_SET = -1, _("Not set")
        INDIVIDUAL = 0, _("Individual")
        ENTERPRISE = 1, _("Enterprise")

    class Binding(models.TextChoices):
        # PENDING: the local row exists and the cloud account is being created (or a worker finishes
        # the binding after a failure on our side). BOUND: customer_id is known.
        PENDING = "pending", _("Being created")
        BOUND = "bound", _("Bound")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="customer"
    )
    xaccount_id = models.CharField(_("platform account id"), max_length=64, unique=True, default=new_xaccount_id)
    customer_id = models.CharField(_("HUAWEI CLOUD customer id"), max_length=64, unique=True, null=True, blank=True)
    account_name = models.CharField(_("account name"), max_length=64, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    domain_area = models.CharField(_("country or region"), max_length=2, blank=True)
    binding = models.CharField(max_length=16, choices=Binding.choices, default=Binding.PENDING)
    real_name_status = models.CharField(
        _("real-name authentication"), max_length=2, choices=RealNameStatus.choices, default=RealNameStatus.NOT_SUBMITTED
    )
    real_name = models.CharField(_("real name"), max_length=200, blank=True)
    customer_type = models.IntegerField(choices=CustomerType.choices, default=CustomerType.NOT_SET)
    is_frozen = models.BooleanField(_("frozen"), default=False)
    association_type = models.CharField(max_length=2, blank=True)
    associated_on = models.DateTimeField(null=True, blank=True)
    label = models.CharField(max_length=200, blank=True)
    customer_level = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.account_name
