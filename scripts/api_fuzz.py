#!/usr/bin/env python
"""`make api-fuzz`: schemathesis against the REST API's OpenAPI schema, on a throwaway server.

Starts the HUAWEI CLOUD sandbox and the site (waitress) on free ports with a temporary SQLite database,
binds the sandbox's demo customer, has the sandbox make the partner's bill of 2026-09 (the schema's example
cycle) and loads it as Finance does (partner bill, bill file, monthly sums, rated, drafted; the demo
customer's bill issued), makes a customer token and a staff (Operations, Support and Finance) token, and
runs schemathesis against /api/schema/ once with each (the staff token also drives Finance's cycle actions,
rating rules and exports on that month). Fails (non-zero) on any 5xx, any status code, header or body that
does not match the schema. Bounded: --max-examples per operation and --max-time per run (the fuzzing phase
repeats until that time is spent, after every operation had its examples and coverage cases).

    API_FUZZ_MAX_EXAMPLES=20 API_FUZZ_MAX_TIME=150 python scripts/api_fuzz.py
"""

# ruff: noqa: S603 - runs our own fixed commands (sandbox, manage.py, waitress, schemathesis)
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
MAX_EXAMPLES = os.environ.get("API_FUZZ_MAX_EXAMPLES", "20")
MAX_TIME = os.environ.get("API_FUZZ_MAX_TIME", "150")  # seconds per token
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)

SETUP = """
import json
import os
import urllib.request
from datetime import date
from django.contrib.auth.models import Group
from django.contrib.auth import get_user_model
from api.services import token_create
from billing import ingest, services as billing
from billing.models import CustomerBill, IngestRun, RatingRule
from customers.models import Customer
from orders import resources, services
customer = Customer.objects.create(
    account_name="demo-customer", email="demo-customer@example.com", xaccount_id="pp-demo-customer",
    customer_id="5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a", binding="bound", real_name_status="2",
    user=get_user_model().objects.create_user("demo-customer", "demo-customer@example.com", "fuzz-pass-2026"),
)
resources.resources_sync(customer=customer)
resources.on_demand_resources_sync(customer=customer)
services.orders_sync(customer=customer)
cycle = "2026-09"  # the example cycle of the schema (api/views/billing.py): the examples phase finds its bill
urllib.request.urlopen(urllib.request.Request(
    os.environ["SANDBOX_URL"] + "/_sandbox/bills/generate", method="POST", headers={"Content-Type": "application/json"},
    data=json.dumps({"cycle": cycle, "lines": 600, "seed": 2026}).encode(),
), timeout=60).close()
billing.partner_bill_sync(cycle=cycle)
run = ingest.ingest_from_obs(cycle=cycle)
assert run.status == IngestRun.Status.SUCCEEDED, run.error
billing.monthly_sums_check(cycle=cycle)
RatingRule.objects.create(percent=10, valid_from=date(2020, 1, 1))
billing.cycle_rate(cycle=cycle)
billing.customer_bills_draft(cycle=cycle)
billing.customer_bill_issue(bill=CustomerBill.objects.get(cycle=cycle, cloud_customer_id=customer.customer_id))
staff = get_user_model().objects.create_user("ops", "ops@example.com", "fuzz-pass-2026", is_staff=True)
staff.groups.add(*(Group.objects.get(name=name) for name in ("Operations", "Support", "Finance")))
print("TOKENS " + json.dumps({
    "customer": token_create(user=customer.user, name="fuzz")[1],
    "staff": token_create(user=staff, name="fuzz")[1],
    "customer_pk": customer.pk,
}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()  # noqa: S310 - our own local server
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> int:
    from tests.sandbox_server import run_sandbox

    with tempfile.TemporaryDirectory(prefix="api-fuzz-") as tmp, run_sandbox(Path(tmp)) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_BROKER"))}
        env.update(
            {
                "PARTNER_PORTAL_VAR_DIR": tmp,
                "DATABASE_URL": f"sqlite:///{tmp}/portal.sqlite3",
                "SANDBOX_URL": sandbox.url,
                "HUAWEICLOUD_BSS_ENDPOINT": sandbox.url,
                "HUAWEICLOUD_OSM_ENDPOINT": sandbox.url,
                "HUAWEICLOUD_IAM_ENDPOINT": sandbox.url,
                "HUAWEICLOUD_SSO_URL": f"{sandbox.url}/authui/saml/login",
                "HUAWEICLOUD_OBS_ENDPOINT": f"{sandbox.url}/obs",
                "CELERY_TASK_ALWAYS_EAGER": "true",
                "EMAIL_URL": "locmem://",
                "API_THROTTLE_RATE": "100000/minute",
                "DJANGO_DEBUG": "true",
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )
        python = str(BIN / "python")
        subprocess.run([python, "manage.py", "migrate", "--skip-checks", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup = subprocess.run(
            [python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        tokens = json.loads(next(line for line in setup.stdout.splitlines() if line.startswith("TOKENS "))[7:])
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - open for the server's whole life
        server = subprocess.Popen(
            [
                str(BIN / "waitress-serve"),
                f"--listen=127.0.0.1:{port}",
                "--threads=4",
                "partner_portal.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        failed = False
        try:
            wait_for(f"{base}/api/schema/")
            for who in ("customer", "staff"):
                print(f"\n=== schemathesis with the {who} token", flush=True)
                headers = ["-H", f"Authorization: Bearer {tokens[who]}"]
                result = subprocess.run(
                    [
                        str(BIN / "st"),
                        "run",
                        f"{base}/api/schema/",
                        "--url",
                        base,
                        *headers,
                        "--checks",
                        CHECKS,
                        "--max-examples",
                        MAX_EXAMPLES,
                        "--max-time",
                        MAX_TIME,
                        "--phases",
                        "examples,coverage,fuzzing",
                        "--suppress-health-check",
                        "all",
                        "--seed",
                        "2026",
                    ],
                    cwd=ROOT,
                    env={**env, "SCHEMATHESIS_HOOKS": ""},
                )
                failed |= result.returncode != 0
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            server_log.close()
            if failed:
                print("\n--- server log (last 80 lines)")
                print("\n".join((Path(tmp) / "server.log").read_text(errors="replace").splitlines()[-80:]))
    print("\napi-fuzz:", "FAILED" if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
