"""pytest plugin: the HUAWEI CLOUD sandbox (`python -m sandbox`) as a real HTTP server for tests.

* `sandbox_process` (session): starts the sandbox on a free port with a temporary SQLite database, once
  per test process (per xdist worker), only when a test asks for it; stops it at the end.
* `sandbox` (function): resets the sandbox to the demo world, points the platform's settings at it
  (`SANDBOX_URL`, `HUAWEICLOUD[...]_ENDPOINT`, `SSO_URL`) and returns a `SandboxClient`.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REPO_DIR = Path(__file__).resolve().parent.parent
READY = re.compile(r"ready at (http://\S+)")
START_TIMEOUT = 30.0

DEMO_PARTNER = {
    "ak": "SANDBOXPARTNERAK0001",
    "sk": "sandbox-partner-secret-key-0001",
    "domain_id": "0a9f8e7d6c5b4a3928170615f4e3d2c1",
    "domain_name": "demo-partner",
    "xaccount_type": "demo_partner_IDP",
    "iam_user": "partner-api",
    "iam_password": "sandbox-iam-password-0001",
}
DEMO_CUSTOMER = {
    "customer_id": "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a",
    "account_name": "demo-customer",
    "email": "demo-customer@example.com",
    "xaccount_id": "pp-demo-customer",
}


class SandboxProcess:
    def __init__(self, process: subprocess.Popen, url: str, log_path: Path):
        self.process = process
        self.url = url
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def run_sandbox(
    directory: Path, *, mode: str = "local", extra_env: dict[str, str] | None = None
) -> Iterator[SandboxProcess]:
    """Start `python -m sandbox` on a free port with its database in `directory`; stop it on exit."""
    log_path = directory / f"sandbox-{mode}.log"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"SANDBOX_MODE": mode, "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost"})
    # Never the developer's `make run` site on :8000: a closed port, until a test configures an IdP.
    env["SANDBOX_IDP_METADATA_URL"] = "http://127.0.0.1:9/sso/metadata/"
    env.update(extra_env or {})
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox",
                "--host",
                "127.0.0.1",
                "--port",
                "0",  # the OS picks a free port; the ready line says which
                "--database",
                f"sqlite:///{directory / f'sandbox-{mode}.sqlite3'}",
            ],
            cwd=REPO_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    sandbox = None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while url is None:
            if process.poll() is not None:
                raise RuntimeError(f"The sandbox exited with {process.returncode}:\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"The sandbox did not start within {START_TIMEOUT} s:\n{log_path.read_text()}")
            match = READY.search(log_path.read_text(errors="replace"))
            if match:
                url = match.group(1)
            else:
                time.sleep(0.05)
        while True:
            try:
                requests.get(f"{url}/_sandbox/health", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sandbox = SandboxProcess(process, url, log_path)
        yield sandbox
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def token_credentials(token: str, customer_id: str):
    """SDK credentials that send `X-Auth-Token` instead of signing (reference 9.3; the platform's
    `huaweicloud.identity.TokenCredentials` does the same). Install with `client.with_credentials(...)`
    after `build()`: the builder accepts only the exact class GlobalCredentials."""
    from huaweicloudsdkcore.auth.credentials import GlobalCredentials
    from huaweicloudsdkcore.signer.signer import Signer

    class TokenCredentials(GlobalCredentials):
        def __init__(self):
            super().__init__(None, None, None)
            self.customer_id = customer_id

        def process_auth_params(self, http_client, region_id):
            return self

        def process_auth_request(self, request, http_client):
            return http_client.executor.submit(self.sign_request, request)

        def sign_request(self, request):
            request.header_params["X-Auth-Token"] = token
            Signer.process_request_uri(request)
            return request

    return TokenCredentials()


class SandboxClient:
    """Drives the control API of a running sandbox (see sandbox/README.md), and gets IAM tokens and
    SDK clients that act as a customer."""

    partner = DEMO_PARTNER
    demo_customer = DEMO_CUSTOMER

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False  # never through a proxy

    # --- IAM: acting as a customer (reference 9.3) ---

    def _iam(self, path: str, body: dict, *, token: str | None = None) -> requests.Response:
        headers = {"X-Auth-Token": token} if token else {}
        response = self.http.post(f"{self.url}{path}", json=body, headers=headers, timeout=10)
        if response.status_code >= 400:
            raise AssertionError(f"IAM {path} answered {response.status_code}: {response.text}")
        return response

    def partner_token(self, scope: dict | None = None) -> str:
        """A token of the partner's IAM user (password method, domain scope by default)."""
        user = {
            "name": DEMO_PARTNER["iam_user"],
            "password": DEMO_PARTNER["iam_password"],
            "domain": {"name": DEMO_PARTNER["domain_name"]},
        }
        body = {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": scope or {"domain": {"name": DEMO_PARTNER["domain_name"]}},
            }
        }
        return self._iam("/v3/auth/tokens", body).headers["X-Subject-Token"]

    def _assume_role(self, account_name: str) -> dict:
        return {"domain_name": account_name, "agency_name": DEMO_PARTNER["xaccount_type"]}

    def customer_identity(self, account_name: str, region: str = "ap-southeast-1") -> dict:
        """assume_role as the partner: {"token", "project_id", "customer_id", "expires_at"}."""
        body = {
            "auth": {
                "identity": {"methods": ["assume_role"], "assume_role": self._assume_role(account_name)},
                "scope": {"project": {"name": region}},
            }
        }
        response = self._iam("/v3/auth/tokens", body, token=self.partner_token())
        token = response.json()["token"]
        return {
            "token": response.headers["X-Subject-Token"],
            "project_id": token["project"]["id"],
            "customer_id": token["project"]["domain"]["id"],
            "expires_at": token["expires_at"],
        }

    def customer_token(self, account_name: str, region: str = "ap-southeast-1") -> str:
        """The customer's IAM token (send it as X-Auth-Token)."""
        return self.customer_identity(account_name, region)["token"]

    def customer_temporary_credentials(self, account_name: str, duration_seconds: int = 900) -> dict:
        """Temporary AK/SK of the customer: {"access", "secret", "securitytoken", "expires_at", "customer_id"}."""
        assume_role = {**self._assume_role(account_name), "duration_seconds": duration_seconds}
        body = {"auth": {"identity": {"methods": ["assume_role"], "assume_role": assume_role}}}
        response = self._iam("/v3.0/OS-CREDENTIAL/securitytokens", body, token=self.partner_token())
        credential = response.json()["credential"]
        return {**credential, "customer_id": self.customer_id(account_name)}

    def customer_id(self, account_name: str) -> str:
        found = self._call("GET", "customers", params={"account_name": account_name})["customers"]
        if not found:
            raise AssertionError(f"The sandbox has no customer {account_name}.")
        return found[0]["customer_id"]

    def customer_client(
        self, account_name: str, *, service: str = "bss", region: str = "ap-southeast-1", temporary: bool = False
    ):
        """An SDK client acting as the customer: `BssintlClient` (service "bss") or `OsmClient` ("osm").

        Default: the customer's IAM token (X-Auth-Token, as the platform does). `temporary=True`: temporary
        AK/SK signed with `GlobalCredentials(ak, sk, customer_id).with_security_token(token)`.
        """
        from huaweicloudsdkbssintl.v2 import BssintlClient
        from huaweicloudsdkcore.auth.credentials import GlobalCredentials
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkosm.v2 import OsmClient

        config = HttpConfig.get_default_config()
        config.timeout = (5, 20)
        client_class = {"bss": BssintlClient, "osm": OsmClient}[service]
        if temporary:
            keys = self.customer_temporary_credentials(account_name)
            credentials = GlobalCredentials(keys["access"], keys["secret"], keys["customer_id"]).with_security_token(
                keys["securitytoken"]
            )
            return (
                client_class.new_builder()
                .with_credentials(credentials)
                .with_http_config(config)
                .with_endpoints([self.url])
                .build()
            )
        identity = self.customer_identity(account_name, region)
        placeholder = GlobalCredentials("placeholder", "placeholder", identity["customer_id"])
        client = (
            client_class.new_builder()
            .with_credentials(placeholder)
            .with_http_config(config)
            .with_endpoints([self.url])
            .build()
        )
        client.with_credentials(token_credentials(identity["token"], identity["customer_id"]))
        return client

    # --- clock and real-name reviews ---

    def clock(self) -> dict:
        """{"now": "...Z", "offset_seconds": n}"""
        return self._call("GET", "clock")

    def advance_clock(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> dict:
        """Move the sandbox clock forward (token expiry, orders, resources, bill cycles follow)."""
        total = days * 86400 + hours * 3600 + minutes * 60 + seconds
        return self._call("POST", "clock", json={"advance": total})

    def realname_pending(self) -> list[dict]:
        """Real-name applications waiting for a manual review, oldest first."""
        return self._call("GET", "realname")["applications"]

    def realname_decide(self, customer_id: str, decision: str, opinion: str = "") -> dict:
        """Approve or reject the customer's pending real-name application ("approve" | "reject")."""
        return self._call("POST", f"realname/{customer_id}/decision", json={"decision": decision, "opinion": opinion})

    def _call(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.url}/_sandbox/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self, world: str = "demo") -> None:
        self._call("POST", "reset", json={"world": world})

    def add_fault(self, operation: str, kind: str, **kwargs) -> int:
        """kwargs: status, error_code, error_msg, body, rate (0..1), delay (seconds), count (times), rows (shift)."""
        return self._call("POST", "faults", json={"operation": operation, "kind": kind, **kwargs})["id"]

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")["faults"]

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def outbox(self, to: str | None = None, kind: str | None = None) -> list[dict]:
        params = {k: v for k, v in {"to": to, "kind": kind}.items() if v}
        return self._call("GET", "outbox", params=params)["messages"]

    def verification_code(self, email: str) -> str:
        """The newest verification code sent to `email`."""
        messages = self.outbox(to=email, kind="verification_code")
        if not messages:
            raise AssertionError(f"No verification code was sent to {email}.")
        return messages[0]["code"]

    def requests(self, operation: str | None = None) -> list[dict]:
        params = {"operation": operation} if operation else {}
        return self._call("GET", "requests", params=params)["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def config(self, **kwargs) -> dict:
        """No arguments: read. throttling=False, rate_limits={"op": n}, visibility_delay=seconds: change."""
        if kwargs:
            return self._call("POST", "config", json=kwargs)
        return self._call("GET", "config")

    def customer(self, customer_id: str) -> dict:
        return self._call("GET", f"customers/{customer_id}")

    def update_customer(self, customer_id: str, **fields) -> dict:
        return self._call("PATCH", f"customers/{customer_id}", json=fields)

    # --- tickets (OSM) ---

    def ticket_reply(self, incident_id: str, content: str, status: int | None = None, replier_name: str | None = None):
        """An engineer's reply (message type 1), optionally moving the ticket to `status`."""
        body = {"content": content}
        if status is not None:
            body["status"] = status
        if replier_name:
            body["replier_name"] = replier_name
        return self._call("POST", f"tickets/{incident_id}/reply", json=body)

    def ticket_status(self, incident_id: str, status: int) -> dict:
        return self._call("POST", f"tickets/{incident_id}/status", json={"status": status})

    def tickets(self, owner: str | None = None, status: int | None = None) -> dict:
        params = {k: v for k, v in (("owner", owner), ("status", status)) if v is not None}
        return self._call("GET", "tickets", params=params)

    def ticket(self, incident_id: str) -> dict:
        return self._call("GET", f"tickets/{incident_id}")


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[SandboxProcess]:
    with tempfile.TemporaryDirectory(prefix="sandbox-") as directory, run_sandbox(Path(directory)) as process:
        yield process


@pytest.fixture
def sandbox(sandbox_process, settings) -> SandboxClient:
    """A freshly reset sandbox, with the platform's HUAWEI CLOUD settings pointing at it."""
    client = SandboxClient(sandbox_process.url)
    client.reset()
    url = sandbox_process.url
    settings.SANDBOX_URL = url
    settings.HUAWEICLOUD = {
        **getattr(settings, "HUAWEICLOUD", {}),
        "BSS_ENDPOINT": url,
        "OSM_ENDPOINT": url,
        "IAM_ENDPOINT": url,
        "SSO_URL": f"{url}/authui/saml/login",
        "OBS_ENDPOINT": f"{url}/obs",
    }
    # The reset revoked every token: forget the customer tokens and clients the platform cached.
    from django.core.cache import cache

    from huaweicloud import clients

    cache.clear()
    clients.reset_clients()
    return client
