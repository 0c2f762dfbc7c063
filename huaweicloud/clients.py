"""The SDK clients: built once per process, lazily, from `settings.HUAWEICLOUD`.

Each SDK client owns a `requests.Session` and a thread pool, so it is shared by all threads of a
process, rebuilt in a forked child (Gunicorn and Celery workers fork after import) and when tests
change the settings. Endpoints are always explicit (`with_endpoints`): a region lookup would make
network calls at build time (reference section 10).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from typing import Any

import requests
from django.conf import settings
from django.test.signals import setting_changed
from huaweicloudsdkbssintl.v2 import BssintlClient
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkosm.v2 import OsmClient

from huaweicloud import ratelimit

# The SDK logs its own errors on these with propagate=False and no handler, which Python then
# prints to stderr. Our `huaweicloud` logger writes one line per call instead.
for _name in ("HuaweiCloud-SDK-BssintlClient", "HuaweiCloud-SDK-OsmClient"):
    _sdk_logger = logging.getLogger(_name)
    if not _sdk_logger.handlers:
        _sdk_logger.addHandler(logging.NullHandler())

_lock = threading.Lock()
_clients: dict[str, Any] = {}
# Clients acting as one customer each (huaweicloud.identity), most recently used last.
CUSTOMER_CLIENTS_MAX = 64
_customer_clients: OrderedDict[tuple[str, str], Any] = OrderedDict()
_last_response = threading.local()


def _remember_response(**kwargs: Any) -> None:
    # Runs in the calling thread for synchronous calls: the raw answer, which the SDK does not
    # keep on its exceptions (e.g. the ids in a CBC.99000050 body, reference 11).
    _last_response.value = kwargs.get("response")


def remember_response(response: requests.Response | None) -> None:
    """For calls made without the SDK (IAM through `requests`): the answer `last_response` returns."""
    _last_response.value = response


def forget_last_response() -> None:
    _last_response.value = None


def last_response() -> requests.Response | None:
    """The raw HTTP answer to the latest call made by this thread, if one arrived."""
    return getattr(_last_response, "value", None)


class _HttpHandler(HttpHandler):
    """Instead of the SDK's default response handler, which logs to a logger silenced above and, for
    an answer without Content-Length, reads the whole body first: a file would be in memory before
    the gateway's size cap could refuse it (`huaweicloud.tickets.ticket_attachment_download`)."""

    def process_response(self, **kwargs: Any) -> None:
        _remember_response(**kwargs)


def _build(client_class: type, endpoint: str, credentials: GlobalCredentials | None = None) -> Any:
    config = settings.HUAWEICLOUD
    http_config = HttpConfig.get_default_config()
    http_config.timeout = (config["CONNECT_TIMEOUT"], config["READ_TIMEOUT"])
    # Never let the SDK repeat a request: writes are not idempotent, and Celery retries reads.
    http_config.retry_times = 0
    if credentials is None:
        credentials = GlobalCredentials(config["AK"], config["SK"], config["DOMAIN_ID"])
    return (
        client_class.new_builder()
        .with_credentials(credentials)
        .with_http_config(http_config)
        .with_http_handler(_HttpHandler())
        .with_endpoints([endpoint])
        .build()
    )


def _get(name: str, client_class: type, endpoint_setting: str) -> Any:
    client = _clients.get(name)
    if client is None:
        with _lock:
            client = _clients.get(name)
            if client is None:
                client = _build(client_class, settings.HUAWEICLOUD[endpoint_setting])
                _clients[name] = client
    return client


def bss_client() -> BssintlClient:
    return _get("bss", BssintlClient, "BSS_ENDPOINT")


def osm_client() -> OsmClient:
    return _get("osm", OsmClient, "OSM_ENDPOINT")


def customer_client(name: str, client_class: type, endpoint_setting: str, customer_id: str) -> Any:
    """The one client of this process that acts as `customer_id`; never handed out for anyone else.

    Built with placeholder keys that sign as nobody (the builder insists on `GlobalCredentials`);
    `huaweicloud.identity` installs the customer's token credentials before every call. At most
    CUSTOMER_CLIENTS_MAX are kept; an evicted one is not closed (another thread may still be using
    it) and its session goes with the garbage collector.
    """
    key = (name, customer_id)
    with _lock:
        client = _customer_clients.get(key)
        if client is not None:
            _customer_clients.move_to_end(key)
            return client
    placeholder = GlobalCredentials("customer-token-only", "customer-token-only", customer_id)
    client = _build(client_class, settings.HUAWEICLOUD[endpoint_setting], placeholder)
    with _lock:
        existing = _customer_clients.get(key)
        if existing is not None:
            client.close()
            return existing
        _customer_clients[key] = client
        while len(_customer_clients) > CUSTOMER_CLIENTS_MAX:
            _customer_clients.popitem(last=False)
    return client


def reset_clients(*, close: bool = True) -> None:
    """Drop the clients so the next call builds them from the current settings."""
    with _lock:
        old = list(_clients.values()) + list(_customer_clients.values())
        _clients.clear()
        _customer_clients.clear()
    if close:
        for client in old:
            client.close()


def _after_fork_in_child() -> None:
    # The parent's lock may have been held at fork time, and its session's sockets and thread pool
    # belong to the parent: start afresh without touching them.
    global _lock
    _lock = threading.Lock()
    _clients.clear()
    _customer_clients.clear()
    ratelimit.reset_limiter()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "HUAWEICLOUD":
        reset_clients()


setting_changed.connect(_on_setting_changed, dispatch_uid="huaweicloud.clients.setting_changed")
