"""API token writes: create (the secret is returned once) and revoke. Both are audited."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from api.models import ApiToken
from partner_portal import audit

# "pp_" marks the token as ours (secret scanners can look for it); then 40 random bytes.
TOKEN_MARK = "pp_"  # noqa: S105 - a marker, not a secret
PREFIX_LENGTH = 11  # "pp_" and 8 characters of the secret: enough to tell tokens apart, useless to guess


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user, name: str, created_by=None, request=None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token text, which is never readable again."""
    token = TOKEN_MARK + secrets.token_urlsafe(40)
    row = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=token[:PREFIX_LENGTH],
        key_hash=token_hash(token),
        created_by=created_by,
    )
    audit.record(action="api_token.create", actor=created_by, request=request, obj=row, after={"user": user.pk})
    return row, token


def token_revoke(*, token: ApiToken, actor=None, request=None) -> bool:
    """Revoke the token (at once, for every request after this one). False when it was revoked already."""
    now = timezone.now()
    # Conditional: two revokes at once write one audit entry.
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        token.revoked_at = now
        audit.record(action="api_token.revoke", actor=actor, request=request, obj=token, after={"revoked_at": now})
    return bool(revoked)


def tokens_for_user(*, user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
