#!/usr/bin/env python
"""Container health check: `python scripts/healthcheck.py URL [--database-only]`.

Exit 0 when URL answers below 500. With --database-only, a 503 from /healthz still passes when its
JSON says the database is ok: a late worker heartbeat must not take the web container out of service.
Sends X-Forwarded-Proto: https so the production https redirect does not answer instead of the view.
Standard library only.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request


def main(argv: list[str]) -> int:
    url, database_only = argv[0], "--database-only" in argv[1:]
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310 - our own URL
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status < 500 else 1
    except urllib.error.HTTPError as error:
        if error.code < 500:
            return 0
        if database_only and error.code == 503:
            try:
                return 0 if json.loads(error.read()).get("database") == "ok" else 1
            except ValueError:
                return 1
        return 1
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
