#!/usr/bin/env python
"""`make run`: the whole Partner Portal on one machine, for development.

Prepares the database (migrate, collectstatic, seed_demo), starts and watches the processes below,
and once the site answers queues every cloud sync once (`manage.py cloud_sync`):

    sandbox  python -m sandbox            the HUAWEI CLOUD simulator, on SANDBOX_PORT (8100)
    web      manage.py runserver          the site, on PORT (8000)
    worker   celery worker                on the embedded filesystem broker unless CELERY_BROKER_URL is set
    beat     celery beat                  the periodic tasks (heartbeat, customer sync, ...)

Each child's output is prefixed with its name. Ctrl-C or SIGTERM stops every child (each runs in its
own process group, so its own children stop too); if one child dies, the others are stopped and this
exits non-zero. Variables from a `.env` file in the project root are read when not already set.
Only the standard library is used, so this runs with any Python 3.11.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEMO_USERS = ("admin", "ops", "finance", "support", "demo-customer")
DEMO_PASSWORD_DEFAULT = "demo-pass-2026"  # noqa: S105 - the documented demo password
READY_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 15
# The sandbox's control API (create customers, approve real-name authentication, advance time...);
# sandbox/README.md describes it.
SANDBOX_CONTROL_PATH = "/_sandbox/"

_print_lock = threading.Lock()
_COLORS = ("36", "33", "35", "32", "34", "31")


def say(message: str, *, name: str = "run", color: str = "1") -> None:
    prefix = f"\033[{color}m{name:>11} |\033[0m " if sys.stdout.isatty() else f"{name:>11} | "
    with _print_lock:
        for line in message.splitlines() or [""]:
            sys.stdout.write(prefix + line + "\n")
        sys.stdout.flush()


class Stop(Exception):
    """Raised by the SIGTERM handler (SIGINT raises KeyboardInterrupt) to unwind and stop the children."""


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], color: str):
        self.name, self.argv, self.env, self.color = name, argv, env, color
        self.proc: subprocess.Popen | None = None
        self._pump: threading.Thread | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own fixed argv
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C in the terminal reaches only us, and we stop the whole
            # group (runserver's and celery's own children included) in order.
            start_new_session=True,
        )
        self._pump = threading.Thread(target=self._copy_output, daemon=True)
        self._pump.start()

    def _copy_output(self) -> None:
        assert self.proc and self.proc.stdout
        for raw in iter(self.proc.stdout.readline, b""):
            say(raw.decode(errors="replace").rstrip("\n"), name=self.name, color=self.color)

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()

    def kill_group(self) -> None:
        if self.proc:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        assert self.proc
        code = self.proc.wait(timeout)
        if self._pump:
            self._pump.join(timeout=2)
        return code


class Supervisor:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.children: list[Child] = []

    def spawn(self, name: str, argv: list[str]) -> Child:
        child = Child(name, argv, self.env, _COLORS[len(self.children) % len(_COLORS)])
        self.children.append(child)
        child.start()
        return child

    def step(self, name: str, argv: list[str]) -> None:
        """Run one preparation command to the end; fail the whole run if it fails."""
        child = self.spawn(name, argv)
        code = child.wait()
        self.children.remove(child)
        if code != 0:
            raise SystemExit(f"{name} failed (exit code {code}): {' '.join(argv)}")

    def stop_all(self) -> None:
        running = [c for c in self.children if c.poll() is None]
        if not running:
            return
        say("stopping " + ", ".join(c.name for c in running))
        # SIGTERM to each leader, which stops its own children (celery's warm shutdown lets the pool
        # finish its tasks; a signal to the whole group would kill the pool under it).
        for child in reversed(running):
            child.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in running:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{child.name} did not stop within {STOP_TIMEOUT_SECONDS}s: killing it")
                child.kill_group()
                child.wait()
            # Whatever the leader left behind in its process group goes too.
            child.kill_group()
        say("all stopped")

    def check_alive(self) -> None:
        for child in self.children:
            code = child.poll()
            if code is not None:
                raise SystemExit(f"{child.name} exited with code {code}; stopping the others")


def load_dotenv(path: Path) -> None:
    """KEY=VALUE lines; the environment wins. Quotes around a value are dropped; no interpolation."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str) -> bool:
    """Any HTTP answer, even an error status, means the server is up."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own http://127.0.0.1 URL
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def wait_until_answers(supervisor: Supervisor, name: str, url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not answers(url):
        supervisor.check_alive()
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} did not answer at {url} within {READY_TIMEOUT_SECONDS}s")
        time.sleep(0.3)


def has_management_command(env: dict[str, str], name: str) -> bool:
    out = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "help", "--commands"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    return name in out.split()


def main() -> int:
    load_dotenv(ROOT / ".env")
    port = int(os.environ.get("PORT") or 8000)
    sandbox_port = int(os.environ.get("SANDBOX_PORT") or 8100)
    os.environ.setdefault("SANDBOX_URL", f"http://127.0.0.1:{sandbox_port}")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    # The sandbox's SAML service provider reads our IdP metadata and links back to our site.
    os.environ.setdefault("SANDBOX_IDP_METADATA_URL", f"http://127.0.0.1:{port}/sso/metadata/")
    os.environ.setdefault("SANDBOX_PARTNER_SITE_URL", f"http://127.0.0.1:{port}/")
    os.environ.setdefault("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    os.environ["PYTHONUNBUFFERED"] = "1"
    var_dir = Path(os.environ.get("PARTNER_PORTAL_VAR_DIR") or ROOT / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)

    for what, p in (("PORT", port), ("SANDBOX_PORT", sandbox_port)):
        if port_in_use(p):
            say(f"port {p} is already in use (a `make run` still running?). Stop it or set {what}.")
            return 1

    site = f"http://127.0.0.1:{port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    broker = env.get("CELERY_BROKER_URL") or f"filesystem (embedded, {var_dir / 'celery-broker'})"

    supervisor = Supervisor(env)

    def on_sigterm(signum, frame):
        raise Stop

    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.monotonic()
    try:
        sandbox_argv = [PYTHON, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(sandbox_port)]
        if env.get("SANDBOX_DATABASE_URL"):
            sandbox_argv += ["--database", env["SANDBOX_DATABASE_URL"]]
        supervisor.spawn("sandbox", sandbox_argv)

        supervisor.step("migrate", [PYTHON, "manage.py", "migrate", "--noinput"])
        # Copies only what changed since the last run, so this is quick after the first time.
        supervisor.step("collectstatic", [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"])
        wait_until_answers(supervisor, "sandbox", sandbox_url + "/")
        if has_management_command(env, "seed_demo"):
            supervisor.step("seed_demo", [PYTHON, "manage.py", "seed_demo"])
        else:
            say("manage.py seed_demo does not exist yet: no demo users")

        supervisor.spawn("web", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"])
        celery = [PYTHON, "-m", "celery", "-A", "partner_portal"]
        supervisor.spawn("worker", [*celery, "worker", "-l", "info", "--concurrency", "2"])
        supervisor.spawn("beat", [*celery, "beat", "-l", "info", "-s", str(var_dir / "celerybeat-schedule")])
        wait_until_answers(supervisor, "web", site + "/")
        # The worker mirrors the cloud's customers, orders, resources, tickets and last month's bill now,
        # not at beat's first tick, so the first pages already show them.
        supervisor.step("cloud_sync", [PYTHON, "manage.py", "cloud_sync"])

        say(
            f"""
Partner Portal is ready ({time.monotonic() - started:.0f}s):
  site                  {site}/
  admin                 {site}/admin/
  health                {site}/healthz
  sandbox               {sandbox_url}/  (HUAWEI CLOUD simulator)
  sandbox control API   {sandbox_url}{SANDBOX_CONTROL_PATH}
  Celery broker         {broker}
Demo logins, password {env["DEMO_PASSWORD"]!r}: {", ".join(DEMO_USERS)}
Ctrl-C stops everything.
"""
        )
        while True:
            supervisor.check_alive()
            time.sleep(0.5)
    except (KeyboardInterrupt, Stop):
        say("interrupted")
        return 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            say(exc.code)
            return 1
        raise
    finally:
        # A second Ctrl-C while stopping must not leave children behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()


if __name__ == "__main__":
    sys.exit(main())
