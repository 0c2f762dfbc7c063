"""Settings: a bad environment stops the process with a message naming the variable; production
settings pass `manage.py check --deploy`; `.env.example` lists every variable settings.py reads.

Each case runs Django in a subprocess, with a clean environment, as a server would start.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Variables that shape settings; none of the test run's own values may leak into the subprocess.
SETTINGS_PREFIXES = ("DJANGO_", "HUAWEICLOUD_", "CELERY_", "OBJECT_STORAGE_", "AXES_", "PARTNER_PORTAL_")
SETTINGS_NAMES = {"DATABASE_URL", "DATABASE_CONN_MAX_AGE", "REDIS_URL", "EMAIL_URL", "SITE_URL", "SANDBOX_URL"}

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7Kq2-production-like-secret-for-tests-only-R9vLm3Np8Zt4Wb6Yc1Hd5Jf0Gs",
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
    "SITE_URL": "https://portal.example.com",
    "HUAWEICLOUD_AK": "TESTAK0000000000000001",
    "HUAWEICLOUD_SK": "test-secret-key",
    "HUAWEICLOUD_DOMAIN_ID": "0a9f8e7d6c5b4a3928170615f4e3d2c1",
}


def run_django(tmp_path: Path, code_or_argv: str | list[str], **env_vars: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(SETTINGS_PREFIXES) and k not in SETTINGS_NAMES and not k.startswith("SANDBOX_")
    }
    # Keep the development files (SQLite database, broker folders) out of the work tree.
    env |= {"DJANGO_SETTINGS_MODULE": "partner_portal.settings", "PARTNER_PORTAL_VAR_DIR": str(tmp_path / "var")}
    env |= env_vars
    argv = [sys.executable, *(["-c", code_or_argv] if isinstance(code_or_argv, str) else code_or_argv)]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SETUP = "import django; django.setup()"


@pytest.mark.parametrize(
    ("env_vars", "variable"),
    [
        ({"DATABASE_URL": "mysqlx://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY"),
        ({**PRODUCTION, "HUAWEICLOUD_AK": ""}, "HUAWEICLOUD_AK"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT"),
        ({"SITE_URL": "portal.example.com"}, "SITE_URL"),
    ],
    ids=["db-scheme", "db-not-a-url", "debug-value", "no-secret", "no-huaweicloud-ak", "not-a-number", "not-a-url"],
)
def test_bad_environment_fails_at_start_naming_the_variable(tmp_path, env_vars, variable):
    result = run_django(tmp_path, SETUP, **env_vars)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert variable in last_line


def test_development_defaults_need_no_environment(tmp_path):
    result = run_django(tmp_path, ["manage.py", "check", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_django(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def settings_variable_names() -> set[str]:
    source = (ROOT / "partner_portal" / "settings.py").read_text()
    names = set(re.findall(r"\benv(?:bool|int|url|list)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    names |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    # env(f"HUAWEICLOUD_{_name}") and the like: every expansion is also read literally above.
    return names


def test_env_example_lists_every_settings_variable():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    names = settings_variable_names()

    assert len(names) > 30  # the pattern still finds them
    assert sorted(names - listed) == []
