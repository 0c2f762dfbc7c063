"""Checks on request fields, failing as HUAWEI CLOUD does: `400 CBC.0100` naming the field."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sandbox.errors import invalid_parameter

ACCOUNT_NAME = re.compile(r"^[a-zA-Z-][a-zA-Z0-9_-]{4,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MOBILE = re.compile(r"^00\d{2}-\d{4,20}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def body_object(body: Any, *, required: bool = True) -> dict:
    if body is None:
        if required:
            raise invalid_parameter("the request body is missing")
        return {}
    if not isinstance(body, dict):
        raise invalid_parameter("the request body must be a JSON object")
    return body


def string(data: dict, name: str, *, required: bool = False, max_length: int | None = None, choices=None) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise invalid_parameter(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise invalid_parameter(f"{name} must be a string")
    if max_length is not None and len(value) > max_length:
        raise invalid_parameter(f"{name} must be at most {max_length} characters")
    if choices is not None and value not in choices:
        raise invalid_parameter(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def integer(
    data: dict, name: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise invalid_parameter(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_parameter(f"{name} must be an integer")
    if minimum is not None and value < minimum:
        raise invalid_parameter(f"{name} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise invalid_parameter(f"{name} must be at most {maximum}")
    return value


def query_integer(
    query: dict, name: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """An integer sent as a query parameter (a string on the wire)."""
    value = query.get(name)
    if value is None or value == "":
        if required:
            raise invalid_parameter(f"{name} is required")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid_parameter(f"{name} must be an integer") from None
    return integer({name: number}, name, minimum=minimum, maximum=maximum)


def boolean(data: dict, name: str) -> bool | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise invalid_parameter(f"{name} must be true or false")
    return value


def utc_time(data: dict, name: str) -> datetime | None:
    value = string(data, name)
    if value is None:
        return None
    try:
        return datetime.strptime(value, UTC_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise invalid_parameter(f"{name} must be a UTC time like 2024-05-06T08:05:01Z") from None


def account_name_problem(name: str) -> str | None:
    """Why `name` is not a valid HUAWEI CLOUD account name (reference 3.1), or None."""
    if not ACCOUNT_NAME.match(name):
        return "an account name has 5 to 32 characters: letters, digits, '_' and '-', starting with a letter or '-'"
    if name.lower().startswith(("op_", "shadow_")):
        return "an account name must not start with op_ or shadow_"
    if re.fullmatch(r"[-_\d]+", name):
        return "an account name must not consist of digits only"
    return None


def email_problem(email: str) -> str | None:
    if len(email) > 64 or not EMAIL.match(email):
        return "an email address contains '@' and has at most 64 characters"
    return None


def mobile_problem(mobile: str) -> str | None:
    if not MOBILE.match(mobile):
        return "a mobile number is written 00XX-XXXXXXXX (country code starting with 00, a '-', then digits)"
    return None


def password_problem(password: str, *, account_name: str | None, email: str | None) -> str | None:
    """Reference 3.3: at least 8 characters (at most 32), two kinds of characters, not the account name
    (or its reverse), not containing the email address."""
    if not 8 <= len(password) <= 32:
        return "password must have 8 to 32 characters"
    kinds = sum(
        [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 2:
        return (
            "password must contain at least two of: upper-case letters, lower-case letters, digits, special characters"
        )
    if account_name and password.lower() in {account_name.lower(), account_name[::-1].lower()}:
        return "password must not be the account name or the account name reversed"
    if email and email.lower() in password.lower():
        return "password must not contain the email address"
    return None
