"""Platform-wide rows: the worker heartbeat that shows Celery and beat are alive."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per beat-scheduled heartbeat name; the health page reads `beaten_at`."""

    name = models.CharField(max_length=64, unique=True)
    beaten_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beaten_at:%Y-%m-%d %H:%M:%S}"
