"""What can go wrong talking to HUAWEI CLOUD, in two families the rest of the project handles.

* `CloudUnavailable`: HUAWEI CLOUD did not give a usable answer (network, timeout, 5xx, throttling,
  a body we cannot read). Retry later; Celery tasks list it in `autoretry_for`.
* `CloudMisconfigured` (a `CloudUnavailable`): our side is wrong (AK/SK, clock, endpoint). A retry
  will not fix it; it is logged at ERROR so someone is alerted, and to a customer it looks like
  an outage. Tasks add it to `dont_autoretry_for`.
* `CloudRejected`: HUAWEI CLOUD answered with a business error (`CBC.*`). Never retry; show
  `user_message` next to the field or on the page.

Every error carries `operation` (the SDK method name), `status_code`, `error_code`, `error_msg`,
`request_id` and `details` (the raw error body, when it was JSON), and is raised `from` the SDK or
`requests` exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

# Codes the gateway sets itself when HUAWEI CLOUD gave no code (the request never got an answer).
LOCAL_TIMEOUT = "LOCAL.TIMEOUT"
LOCAL_CONNECTION = "LOCAL.CONNECTION"
LOCAL_MALFORMED = "LOCAL.MALFORMED"
LOCAL_THROTTLED = "LOCAL.THROTTLED"
LOCAL_SDK = "LOCAL.SDK"
# A file HUAWEI CLOUD would send is larger than the gateway takes (a CloudRejected: retrying will not help).
LOCAL_TOO_LARGE = "LOCAL.TOO_LARGE"

# Gateway (APIG) and BSS codes that mean our configuration is wrong (reference section 8):
# wrong AK/SK or clock skew (0301), denied (0302/0306), no such API (0101: wrong endpoint), and
# BSS' "wrong auth info or the account lacks API permission" (CBC.0155).
MISCONFIGURED_CODES = frozenset({"APIGW.0301", "APIGW.0302", "APIGW.0306", "APIGW.0101", "CBC.0155"})
# Codes that are a temporary failure whatever the HTTP status.
UNAVAILABLE_CODES = frozenset({"APIGW.0308", "CBC.0999"})

# A customer reads these; Huawei's own message is added only where it helps them fix their input.
REJECTED_MESSAGES: Mapping[str, Promise] = MappingProxyType(
    {
        "CBC.0100": _("HUAWEI CLOUD did not accept some of the details: %(error_msg)s"),
        "CBC.0151": _("HUAWEI CLOUD refused this request. Please contact us if you think this is wrong."),
        "CBC.0156": _("This HUAWEI CLOUD account belongs to a different HUAWEI CLOUD site."),
        "CBC.18000016": _("This account does not have permission for that. Please contact us."),
        "CBC.99000050": _("A HUAWEI CLOUD account already exists for this customer."),
        LOCAL_TOO_LARGE: _("This file is too large to download here. Please download it in the HUAWEI CLOUD console."),
    }
)
DEFAULT_REJECTED_MESSAGE = _("HUAWEI CLOUD did not accept the request: %(error_msg)s")

UNAVAILABLE_MESSAGE = _("HUAWEI CLOUD is not answering right now. Nothing was changed; please try again in a minute.")
# A read timeout after the request was sent: HUAWEI CLOUD may have done it, so do not promise otherwise.
MAYBE_APPLIED_MESSAGE = _(
    "HUAWEI CLOUD did not answer in time. Your request may still have gone through; "
    "please check again in a minute before repeating it."
)
MISCONFIGURED_MESSAGE = _(
    "We cannot reach HUAWEI CLOUD right now because of a problem on our side. We have been alerted; "
    "nothing was changed, please try again later."
)

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_LONG_DIGITS = re.compile(r"\d{5,}")
_MAX_MESSAGE = 300


def redact(text: str | None, *, limit: int = _MAX_MESSAGE) -> str:
    """Text safe for a log line: emails and long digit runs (phone, ID, bank, codes) masked, shortened."""
    if not text:
        return ""
    text = " ".join(str(text).split())
    text = _EMAIL.sub(r"\1***@\2", text)
    text = _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 2) + m.group()[-2:], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CloudError(Exception):
    """Base of every error the gateway raises. Catch a subclass, not this, unless you log and re-raise."""

    default_user_message: Promise = UNAVAILABLE_MESSAGE

    def __init__(
        self,
        message: str = "",
        *,
        operation: str,
        status_code: int | None = None,
        error_code: str | None = None,
        error_msg: str | None = None,
        request_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.operation = operation
        self.status_code = status_code
        self.error_code = error_code
        self.error_msg = error_msg or ""
        self.request_id = request_id or None
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(message or self.error_msg)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling, which Celery needs.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    @property
    def user_message(self) -> Promise | str:
        """Plain words for a customer, translated when rendered."""
        return self.default_user_message

    def __str__(self) -> str:
        parts = [f"{self.operation}:"]
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.error_code:
            parts.append(self.error_code)
        if self.error_msg:
            parts.append(redact(self.error_msg))
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(operation={self.operation!r}, status_code={self.status_code!r}, "
            f"error_code={self.error_code!r}, request_id={self.request_id!r})"
        )


class CloudUnavailable(CloudError):
    """No usable answer from HUAWEI CLOUD. Safe to retry reads; re-query state before retrying writes.

    `maybe_applied` is True when the request reached HUAWEI CLOUD and the answer was lost (a read
    timeout): a write may have happened.
    """

    def __init__(self, message: str = "", *, maybe_applied: bool = False, **kwargs: Any) -> None:
        self.maybe_applied = maybe_applied
        super().__init__(message, **kwargs)

    @property
    def user_message(self) -> Promise | str:
        return MAYBE_APPLIED_MESSAGE if self.maybe_applied else self.default_user_message


class CloudMisconfigured(CloudUnavailable):
    """Our credentials, clock or endpoint are wrong. Looks like an outage to customers; alert staff."""

    default_user_message = MISCONFIGURED_MESSAGE


class CloudRejected(CloudError):
    """HUAWEI CLOUD's business answer (a `CBC.*` code). Never retry; show `user_message`."""

    default_user_message = DEFAULT_REJECTED_MESSAGE

    @property
    def user_message(self) -> Promise | str:
        template = REJECTED_MESSAGES.get(self.error_code or "", DEFAULT_REJECTED_MESSAGE)
        return _with_error_msg(template, self.error_msg)


def _rebuild(cls: type[CloudError], args: tuple[Any, ...], state: dict[str, Any]) -> CloudError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def _fill(template: Promise, error_msg: str) -> str:
    # Huawei's own text is shown as it came (it is not ours to translate), shortened.
    text = str(template)
    if "%(error_msg)s" not in text:
        return text
    error_msg = " ".join(error_msg.split()) or "-"
    if len(error_msg) > _MAX_MESSAGE:
        error_msg = error_msg[: _MAX_MESSAGE - 1] + "…"
    return text % {"error_msg": error_msg}


# Evaluated when rendered, so the message comes out in the language active at that moment.
_with_error_msg = lazy(_fill, str)
