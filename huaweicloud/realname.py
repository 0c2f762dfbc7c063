"""Real-name authentication (reference section 4) as plain functions.

Every function makes one HUAWEI CLOUD call with the partner's credentials. Certificate numbers go to
HUAWEI CLOUD in the request body only: they are never part of a log line (the call log carries no
bodies) nor of what these functions return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from huaweicloudsdkbssintl.v2 import model as m

from huaweicloud.calls import call
from huaweicloud.clients import bss_client
from huaweicloud.types import MalformedValue, parse_int, parse_str

# `verified_type` of an individual certificate and how many files HUAWEI CLOUD wants, in order (4.1).
INDIVIDUAL_CERTIFICATE_FILES: dict[int, int] = {3: 2, 5: 3, 6: 3, 9: 3, 10: 3}
# `certificate_type` of an enterprise (4.3).
ENTERPRISE_CERTIFICATE_TYPES = frozenset({0, 1, 2, 3, 4, 99})

REVIEW_UNDER_REVIEW = 0
REVIEW_REJECTED = 1
REVIEW_APPROVED = 2


@dataclass(frozen=True, slots=True)
class RealNameSubmitted:
    """Answer of the three apply calls: does a person at HUAWEI CLOUD review it (then poll the result)?"""

    needs_review: bool


@dataclass(frozen=True, slots=True)
class RealNameReview:
    """Answer of `show_realname_authentication_review_result`."""

    # 0 under review, 1 rejected, 2 approved; None when nothing was submitted.
    result: int | None
    opinion: str  # the reviewer's words, given with a rejection


def _submitted(response) -> RealNameSubmitted:
    is_review = parse_int(response.is_review)
    if is_review not in (None, 0, 1):
        raise MalformedValue(f"unknown is_review {is_review!r}")
    return RealNameSubmitted(needs_review=is_review == 1)


def _file_keys(file_keys: Sequence[str]) -> list[str]:
    keys = [str(key) for key in file_keys]
    if not keys or any(not key for key in keys):
        raise ValueError("verified_file_url needs at least one object key")
    return keys


def create_personal_realname_auth(
    *, customer_id: str, verified_type: int, name: str, verified_number: str, file_keys: Sequence[str]
) -> RealNameSubmitted:
    """Apply for individual real-name authentication by certificate (identify_type 0).

    `file_keys`: the object keys of the photos, in HUAWEI CLOUD's order (front, back, hand-held).
    """
    expected = INDIVIDUAL_CERTIFICATE_FILES.get(verified_type)
    if expected is None:
        raise ValueError(f"verified_type must be one of {sorted(INDIVIDUAL_CERTIFICATE_FILES)}")
    keys = _file_keys(file_keys)
    if len(keys) != expected:
        raise ValueError(f"verified_type {verified_type} needs {expected} files, not {len(keys)}")
    request = m.CreatePersonalRealnameAuthRequest(
        body=m.ApplyIndividualRealnameAuthsReq(
            customer_id=customer_id,
            identify_type=0,
            verified_type=verified_type,
            verified_file_url=keys,
            name=name,
            verified_number=verified_number,
            change_type=-1,
            xaccount_type=settings.HUAWEICLOUD["XACCOUNT_TYPE"],
        )
    )
    return call("create_personal_realname_auth", bss_client().create_personal_realname_auth, request, parse=_submitted)


def _enterprise_person(legal_name: str | None, legal_id_number: str | None) -> m.EnterprisePersonNew | None:
    if not legal_name and not legal_id_number:
        return None
    return m.EnterprisePersonNew(legel_name=legal_name, legel_id_number=legal_id_number, certifier_role="legalPerson")


def create_enterprise_realname_authentication(
    *,
    customer_id: str,
    certificate_type: int,
    corp_name: str,
    verified_number: str,
    reg_country: str,
    reg_address: str,
    file_keys: Sequence[str],
    legal_name: str | None = None,
    legal_id_number: str | None = None,
    change_from_individual: bool = False,
) -> RealNameSubmitted:
    """Apply for enterprise real-name authentication (identify_type 1).

    With `change_from_individual` it is the change of an approved individual to an enterprise (4.4).
    `file_keys`: certificate front (and back), then the legal representative's ID sides.
    """
    if certificate_type not in ENTERPRISE_CERTIFICATE_TYPES:
        raise ValueError(f"certificate_type must be one of {sorted(ENTERPRISE_CERTIFICATE_TYPES)}")
    fields = {
        "customer_id": customer_id,
        "identify_type": 1,
        "certificate_type": certificate_type,
        "verified_file_url": _file_keys(file_keys),
        "corp_name": corp_name,
        "verified_number": verified_number,
        "reg_country": reg_country,
        "reg_address": reg_address,
        "xaccount_type": settings.HUAWEICLOUD["XACCOUNT_TYPE"],
        "enterprise_person": _enterprise_person(legal_name, legal_id_number),
    }
    if change_from_individual:
        request = m.ChangeEnterpriseRealnameAuthenticationRequest(
            body=m.ChangeEnterpriseRealnameAuthsReq(change_type=1, **fields)
        )
        return call(
            "change_enterprise_realname_authentication",
            bss_client().change_enterprise_realname_authentication,
            request,
            parse=_submitted,
        )
    request = m.CreateEnterpriseRealnameAuthenticationRequest(body=m.ApplyEnterpriseRealnameAuthsReq(**fields))
    return call(
        "create_enterprise_realname_authentication",
        bss_client().create_enterprise_realname_authentication,
        request,
        parse=_submitted,
    )


def show_realname_authentication_review_result(*, customer_id: str) -> RealNameReview:
    """Where the customer's latest real-name application stands."""
    request = m.ShowRealnameAuthenticationReviewResultRequest(customer_id=customer_id)

    def parse(response: m.ShowRealnameAuthenticationReviewResultResponse) -> RealNameReview:
        result = parse_int(response.review_result)
        if result not in (None, REVIEW_UNDER_REVIEW, REVIEW_REJECTED, REVIEW_APPROVED):
            raise MalformedValue(f"unknown review_result {result!r}")
        return RealNameReview(result=result, opinion=parse_str(response.opinion))

    return call(
        "show_realname_authentication_review_result",
        bss_client().show_realname_authentication_review_result,
        request,
        parse=parse,
    )
