"""`python -m sandbox [--host 127.0.0.1] [--port 8100] [--database URL] [--mode local|strict] [--threads 16]`

Migrates the sandbox's own database, loads the demo world if the database is empty, and serves the
simulated HUAWEI CLOUD with waitress. Prints one line with the URL when ready.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="HUAWEI CLOUD partner API sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument(
        "--database", help="database URL (default: $SANDBOX_DATABASE_URL or sqlite var/sandbox.sqlite3)"
    )
    parser.add_argument("--mode", choices=["local", "strict"], help="default: $SANDBOX_MODE or local")
    parser.add_argument(
        "--threads", type=int, default=16, help="waitress worker threads (slow-answer faults hold one each)"
    )
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    if args.database:
        os.environ["SANDBOX_DATABASE_URL"] = args.database
    if args.mode:
        os.environ["SANDBOX_MODE"] = args.mode

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(os.path.abspath(settings.DATABASES["default"]["NAME"])), exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)

    from sandbox import services

    if services.world_is_empty():
        services.world_load(world="demo")

    from waitress import create_server

    from sandbox.wsgi import application

    server = create_server(application, host=args.host, port=args.port, threads=args.threads, ident="sandbox")
    host = args.host if ":" not in args.host else f"[{args.host}]"
    print(
        f"HUAWEI CLOUD sandbox ({settings.SANDBOX_MODE} mode) ready at http://{host}:{server.effective_port}",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
