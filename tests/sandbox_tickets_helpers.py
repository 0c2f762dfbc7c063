"""Helpers for tests of the sandbox's service tickets (OSM): the official OsmClient and the tickets control API.

Until `tests/sandbox_server.py` grows them, tests call these with the `sandbox` fixture's client:
`ticket_reply(sandbox, incident_id, "...", status=2)`, `ticket_status(sandbox, incident_id, 3)`,
`sandbox_tickets(sandbox, owner="partner")`.
"""

from __future__ import annotations

import base64

from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkosm.v2 import CreateCasesRequest, CreateOrderIncidentV2Req, OsmClient

from huaweicloud.tickets import SOURCE_ID
from tests.sandbox_server import DEMO_PARTNER

# Fixed demo tickets (sandbox/tickets/world.py).
PARTNER_TICKETS = {
    "pending": "CS20250101000001",
    "processing": "CS20250101000002",
    "completed": "CS20250101000003",
    "cancelled": "CS20250101000004",
}
CUSTOMER_TICKETS = {
    "pending": "CS20250101000011",
    "processing": "CS20250101000012",
    "completed": "CS20250101000013",
    "cancelled": "CS20250101000014",
}
# Headers every OSM call of the platform sends (reference 7).
SITE = {"x_site": 1, "x_language": "en-us", "x_time_zone": "GMT+0"}


def build_osm(url: str, *, ak=DEMO_PARTNER["ak"], sk=DEMO_PARTNER["sk"], domain_id=DEMO_PARTNER["domain_id"]):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 20)
    return (
        OsmClient.new_builder()
        .with_credentials(GlobalCredentials(ak, sk, domain_id))
        .with_http_config(config)
        .with_endpoints([url])
        .build()
    )


class TokenCredentials(GlobalCredentials):
    """Signs nothing: sends a customer's IAM token as `X-Auth-Token` (reference 9.3)."""

    def __init__(self, token: str):
        super().__init__(None, None, None)
        self.token = token

    def process_auth_params(self, http_client, region_id):
        return self  # no domain id lookup at IAM

    def process_auth_request(self, request, http_client):
        # Without AK/SK the parent would fetch temporary keys from STS first.
        return http_client.executor.submit(self.sign_request, request)

    def sign_request(self, request):
        request.header_params["X-Auth-Token"] = self.token
        Signer.process_request_uri(request)
        return request


def build_customer_osm(url: str, token: str) -> OsmClient:
    """An OsmClient acting as a customer: built normally, then given token credentials (reference 9.3)."""
    client = build_osm(url)
    client.with_credentials(TokenCredentials(token))
    return client


def ticket_reply(
    sandbox,
    incident_id: str,
    content: str,
    status: int | None = None,
    replier_name: str | None = None,
    files: dict[str, tuple[bytes, str]] | None = None,
):
    """HUAWEI CLOUD support answers (message type 1), optionally moving the ticket to `status` (1, 2, 3, 17)
    and attaching `files` ({file name: (content, content type)})."""
    body = {"content": content}
    if status is not None:
        body["status"] = status
    if replier_name:
        body["replier_name"] = replier_name
    if files:
        body["attachments"] = [
            {"file_name": name, "content_base64": base64.b64encode(data).decode(), "content_type": content_type}
            for name, (data, content_type) in files.items()
        ]
    return sandbox._call("POST", f"tickets/{incident_id}/reply", json=body)


def ticket_status(sandbox, incident_id: str, status: int):
    return sandbox._call("POST", f"tickets/{incident_id}/status", json={"status": status})


def sandbox_tickets(sandbox, owner: str | None = None, status: int | None = None) -> list[dict]:
    params = {k: v for k, v in {"owner": owner, "status": status}.items() if v is not None}
    return sandbox._call("GET", "tickets", params=params)["tickets"]


def sandbox_ticket(sandbox, incident_id: str) -> dict:
    return sandbox._call("GET", f"tickets/{incident_id}")


def console_ticket(sandbox, description: str, *, account_name: str | None = None) -> str:
    """A ticket raised outside the platform: by the customer in the HUAWEI CLOUD console (their own
    identity), or with `account_name` None by the partner's staff in Partner Center (the partner's
    AK/SK). A bill question: no region needed. Returns its incident_id."""
    client = sandbox.customer_client(account_name, service="osm") if account_name else build_osm(sandbox.url)
    body = CreateOrderIncidentV2Req(
        incident_sub_type_id="2",
        product_category_id="81",
        business_type_id="8101",
        simple_description=description,
        source_id=SOURCE_ID,
    )
    return client.create_cases(CreateCasesRequest(**SITE, body=body)).incident_id
