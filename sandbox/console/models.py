"""State of the console's SAML service provider: the partners' identity providers, sign-ins in flight,
and console sessions (a random cookie; the row keeps only its hash)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from sandbox.models import Customer


class IdentityProvider(models.Model):
    """A partner's IdP, found by `xaccount_type` as HUAWEI CLOUD does ("Access Configuration")."""

    xaccount_type = models.CharField(max_length=64, unique=True)
    # Empty when the metadata was given as XML; otherwise refetched when older than the cache time.
    metadata_url = models.CharField(max_length=500, blank=True)
    metadata_xml = models.TextField()
    entity_id = models.CharField(max_length=500)
    sso_url = models.CharField(max_length=500)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.xaccount_type


class AuthnRequestRecord(models.Model):
    """An AuthnRequest we sent: the answer must refer to it (InResponseTo), once, within its lifetime."""

    request_id = models.CharField(max_length=100, unique=True)
    xaccount_type = models.CharField(max_length=64)
    service = models.CharField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    consumed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.request_id


class ConsoleSession(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="console_sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    # Sent back by the console's forms: a page of another site cannot know it.
    form_token = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"console session of {self.customer_id}"
