"""Finance background work: each task loads rows by id (or a cycle) and calls one service."""

from __future__ import annotations

import os

from celery import shared_task
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from billing import exports, ingest, services
from billing.models import BillCycle, ExportJob, IngestRun, PartnerBill
from huaweicloud.errors import CloudMisconfigured, CloudRejected, CloudUnavailable

RETRY = {
    "autoretry_for": (CloudUnavailable,),
    # Wrong AK/SK or clock: retrying cannot help; the gateway has logged it at ERROR.
    "dont_autoretry_for": (CloudMisconfigured,),
    "retry_backoff": True,
    "retry_jitter": True,
}


@shared_task(max_retries=3, **RETRY)
def partner_bills_sync() -> str | None:
    """Beat, hourly: once the latest closed cycle's bills are out (12:00 Beijing time on the 5th),
    mirror the partner bill and queue the bill file's ingest.

    Safe to run twice: the partner bill is upserted on its cycle, and the ingest is queued only
    while the cycle has no complete lines and no open run. Retries on CloudUnavailable with backoff
    (3 times; the next hour tries again anyway). "Not out yet" (CloudRejected) returns None.
    """
    cycle = services.latest_closed_cycle()
    if not PartnerBill.objects.filter(cycle=cycle).exists():
        try:
            services.partner_bill_sync(cycle=cycle)
        except CloudRejected:
            return None
    loaded = BillCycle.objects.filter(cycle=cycle, lines_final=True).exists()
    running = IngestRun.objects.filter(cycle=cycle, status=IngestRun.Status.RUNNING).exists()
    if not loaded and not running:
        bill_file_ingest.delay(cycle)
    return cycle


@shared_task(max_retries=6, **RETRY)
def bill_file_ingest(cycle: str, user_id: int | None = None) -> str:
    """Load the cycle's bill file from OBS (billing.ingest), then check the monthly sums.

    Safe to run twice: lines are upserted on (cycle, Line ID) and a second start while a run is open
    resumes it, or returns when another worker holds it. A download that breaks off leaves the run
    INTERRUPTED; the retry (CloudUnavailable, backoff with jitter, 6 times) resumes after the parts
    already staged. A bad file is refused and not retried.
    """
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        run = ingest.ingest_from_obs(cycle=cycle, started_by=user)
    except ingest.IngestBusy:
        return "busy"
    if run.status == IngestRun.Status.SUCCEEDED:
        monthly_sums_check.delay(cycle)
        cycle_rate.delay(cycle)
    return run.status


@shared_task(max_retries=5, **RETRY)
def monthly_sums_check(cycle: str) -> int:
    """Fetch every customer's monthly sum of `cycle` to check the lines. Safe to run twice (upsert on
    cycle and customer); retries on CloudUnavailable with backoff, 5 times."""
    return len(services.monthly_sums_check(cycle=cycle))


@shared_task
def cycle_rate(cycle: str) -> int:
    """Rate the cycle's lines with the current rules (one UPDATE). Safe to run twice: same rules,
    same prices."""
    try:
        return services.cycle_rate(cycle=cycle)
    except services.NotReady:
        return 0


@shared_task
def export_build(job_id: int) -> str:
    """Build an XLSX export. Safe to run twice: the job is claimed with a conditional UPDATE, so a
    second delivery of the message finds it taken and returns."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        return "taken"
    job = ExportJob.objects.get(pk=job_id)

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(rows_done=done, rows_total=total)

    path = None
    try:
        path = exports.build_xlsx(job.kind, job.cycle, progress=progress)
        with open(path, "rb") as handle, transaction.atomic():
            job.refresh_from_db()
            job.file.save(f"{job.kind}-{job.cycle}-{job.pk}.xlsx", File(handle), save=False)
            job.status = ExportJob.Status.DONE
            job.finished_at = timezone.now()
            job.save(update_fields=["file", "status", "finished_at"])
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        if path and os.path.exists(path):
            os.unlink(path)
    return job.status
