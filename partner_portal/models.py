"""Platform-wide rows: the worker heartbeat that shows Celery and beat are alive, and the audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per beat-scheduled heartbeat name; the health page reads `beaten_at`."""

    name = models.CharField(max_length=64, unique=True)
    beaten_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beaten_at:%Y-%m-%d %H:%M:%S}"


class AppendOnlyError(Exception):
    """An audit entry was about to be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet):
    # bulk_update goes through update() as well, so it is refused too.
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are append-only: they cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit entries are append-only: they cannot be deleted")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEntry(models.Model):
    """Who did what to which object, when, from where, with the state before and after. Append-only.

    Written by `partner_portal.audit.record`. The ORM's normal paths refuse to change or delete a row
    (save of an existing row, delete, QuerySet.update/delete); the admin shows them read-only.
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("Done")
        REFUSED = "refused", _("Refused by HUAWEI CLOUD")
        FAILED = "failed", _("Failed")
        CONFLICT = "conflict", _("Changed meanwhile")
        DENIED = "denied", _("Permission denied")
        PARTIAL = "partial", _("Partly done")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # Not a real foreign key: deleting a user must neither fail nor rewrite the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.OK)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)  # "customers.customer"
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    message = models.TextField(_("message"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_at")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries are append-only: they cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only: they cannot be deleted")
