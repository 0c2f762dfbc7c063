"""Every way an SDK call fails maps to one gateway error, raised from the original, with plain words for users."""

import logging

import pytest
import requests
from django.utils import translation
from huaweicloudsdkcore.exceptions import exceptions as sdk

from huaweicloud import calls
from huaweicloud.errors import (
    LOCAL_CONNECTION,
    LOCAL_SDK,
    LOCAL_TIMEOUT,
    MAYBE_APPLIED_MESSAGE,
    MISCONFIGURED_MESSAGE,
    UNAVAILABLE_MESSAGE,
    CloudError,
    CloudMisconfigured,
    CloudRejected,
    CloudUnavailable,
    redact,
)


def service_error(cls, status, code, msg="message", request_id="req-1"):
    return cls(status, sdk.SdkError(request_id=request_id, error_code=code, error_msg=msg))


def raise_(exc):
    def fn(request):
        raise exc

    return fn


def run(exc):
    with pytest.raises(CloudError) as raised:
        calls.call("create_sub_customer", raise_(exc), None, parse=lambda r: r)
    assert raised.value.__cause__ is exc
    assert raised.value.operation == "create_sub_customer"
    return raised.value


@pytest.mark.parametrize(
    ("exc", "expected", "code", "maybe_applied"),
    [
        (requests.exceptions.ReadTimeout("Read timed out."), CloudUnavailable, LOCAL_TIMEOUT, True),
        (requests.exceptions.ConnectTimeout("connect timed out"), CloudUnavailable, LOCAL_TIMEOUT, False),
        (requests.exceptions.ChunkedEncodingError("broken"), CloudUnavailable, LOCAL_CONNECTION, False),
        (sdk.ConnectionException("Connection refused"), CloudUnavailable, LOCAL_CONNECTION, False),
        (sdk.HostUnreachableException("Name or service not known"), CloudUnavailable, LOCAL_CONNECTION, False),
        (
            sdk.ConnectionException("Max retries exceeded (Caused by ReadTimeoutError(...))"),
            CloudUnavailable,
            LOCAL_TIMEOUT,
            True,
        ),
        (sdk.CallTimeoutException("timeout"), CloudUnavailable, LOCAL_TIMEOUT, True),
        (sdk.SdkException("something"), CloudUnavailable, LOCAL_SDK, False),
    ],
)
def test_no_answer_is_unavailable(exc, expected, code, maybe_applied):
    error = run(exc)
    assert type(error) is expected
    assert error.error_code == code
    assert error.maybe_applied is maybe_applied
    assert error.user_message == (MAYBE_APPLIED_MESSAGE if maybe_applied else UNAVAILABLE_MESSAGE)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (500, "CBC.0999", CloudUnavailable),
        (400, "CBC.0999", CloudUnavailable),
        (502, "502", CloudUnavailable),
        (503, "SYS.0001", CloudUnavailable),
        (429, "APIGW.0308", CloudUnavailable),
        (429, "429", CloudUnavailable),
        (401, "APIGW.0301", CloudMisconfigured),
        (403, "APIGW.0302", CloudMisconfigured),
        (403, "APIGW.0306", CloudMisconfigured),
        (404, "APIGW.0101", CloudMisconfigured),
        (403, "CBC.0155", CloudMisconfigured),
        (403, "403", CloudMisconfigured),
        (400, "CBC.0100", CloudRejected),
        (403, "CBC.0151", CloudRejected),
        (400, "CBC.99000050", CloudRejected),
        (400, "400", CloudUnavailable),  # a 4xx without a Huawei code is not a business answer
    ],
)
def test_answers_map_by_code_and_status(status, code, expected):
    cls = sdk.ServerResponseException if status >= 500 else sdk.ClientRequestException
    error = run(service_error(cls, status, code))
    assert type(error) is expected
    assert (error.status_code, error.error_code, error.error_msg, error.request_id) == (
        status,
        code,
        "message",
        "req-1",
    )


def test_misconfigured_is_unavailable_to_callers_but_says_so_in_its_own_words():
    error = run(service_error(sdk.ClientRequestException, 401, "APIGW.0301"))
    assert isinstance(error, CloudUnavailable)
    assert error.user_message == MISCONFIGURED_MESSAGE
    assert "AK" not in str(error.user_message)


def test_rejection_shows_a_friendly_message_per_code():
    error = run(service_error(sdk.ClientRequestException, 400, "CBC.99000050", "exists"))
    assert str(error.user_message) == "A HUAWEI CLOUD account already exists for this customer."


def test_unknown_rejection_includes_huaweis_message():
    error = run(service_error(sdk.ClientRequestException, 400, "CBC.30000010", "The email format is wrong."))
    assert str(error.user_message) == "HUAWEI CLOUD did not accept the request: The email format is wrong."


def test_user_message_is_translated_when_rendered():
    error = run(service_error(sdk.ClientRequestException, 400, "CBC.0100", "bad"))
    message = error.user_message
    with translation.override("en"):
        assert str(message) == "HUAWEI CLOUD did not accept some of the details: bad"


def test_str_of_an_error_names_operation_code_and_request_id_and_hides_emails():
    error = run(service_error(sdk.ClientRequestException, 400, "CBC.0100", "alice@example.com is bad"))
    assert str(error) == "create_sub_customer: HTTP 400 CBC.0100 a***@example.com is bad (request id req-1)"


def test_a_bug_in_our_request_is_not_hidden_as_a_cloud_error():
    with pytest.raises(ValueError, match="ours"):
        calls.call("create_sub_customer", raise_(ValueError("ours")), None, parse=lambda r: r)


def test_each_call_logs_one_line(caplog):
    caplog.set_level(logging.INFO, logger="huaweicloud")
    run(service_error(sdk.ClientRequestException, 401, "APIGW.0301", "verify aksk signature fail"))
    (record,) = [r for r in caplog.records if r.name == "huaweicloud"]
    assert record.levelno == logging.ERROR
    assert "create_sub_customer outcome=APIGW.0301" in record.getMessage()
    assert "request_id=req-1" in record.getMessage()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail alice.smith@example.com now", "mail a***@example.com now"),
        ("mobile 0086-13800001234", "mobile 0086-*********34"),
        ("code 123456", "code ****56"),
        ("ok 2024", "ok 2024"),
        (None, ""),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_redact_shortens():
    assert len(redact("x" * 1000)) == 300


@pytest.mark.parametrize("cls", [CloudUnavailable, CloudMisconfigured, CloudRejected])
def test_errors_survive_pickling_for_celery(cls):
    import pickle

    error = cls(operation="op", status_code=400, error_code="CBC.0100", error_msg="m", request_id="r", details={"a": 1})
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, as Celery does
    assert type(copy) is cls
    assert (copy.operation, copy.status_code, copy.error_code, copy.error_msg, copy.request_id, copy.details) == (
        "op",
        400,
        "CBC.0100",
        "m",
        "r",
        {"a": 1},
    )
    assert str(copy) == str(error)
