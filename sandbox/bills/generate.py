"""`python -m sandbox.bills.generate --cycle 2026-10 [--customers 0] [--lines 5000] [--seed 42] [--part-rows 100000]`

Generates (or replaces) the demo partner's bill of a cycle into the sandbox's database and bucket
folder, like `POST /_sandbox/bills/generate`. `--database URL` picks the database (default
$SANDBOX_DATABASE_URL or var/sandbox.sqlite3); it is migrated and given the demo world if empty.
"""

from __future__ import annotations

import argparse
import json
import os


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.bills.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--cycle", required=True, help="bill cycle YYYY-MM (UTC+8)")
    parser.add_argument("--customers", type=int, default=0, help="synthetic customers added to the partner's own")
    parser.add_argument("--lines", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--part-rows", type=int, default=100_000, help="rows per CSV part")
    parser.add_argument("--database", help="database URL (default: $SANDBOX_DATABASE_URL or var/sandbox.sqlite3)")
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    if args.database:
        os.environ["SANDBOX_DATABASE_URL"] = args.database
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from sandbox import services as core_services
    from sandbox.bills import services
    from sandbox.bills.control import bill_state
    from sandbox.models import Partner
    from sandbox.world import DEMO_PARTNER

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(os.path.abspath(settings.DATABASES["default"]["NAME"])), exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    if core_services.world_is_empty():
        core_services.world_load(world="demo")
    try:
        result = services.bill_generate(
            partner=Partner.objects.get(domain_id=DEMO_PARTNER["domain_id"]),
            cycle=args.cycle,
            customers=args.customers,
            lines=args.lines,
            seed=args.seed,
            part_rows=args.part_rows,
        )
    except ValueError as exc:
        parser.error(str(exc))
    state = bill_state(result.bill_cycle)
    state["path"] = str(services.bucket_path(result.bill_cycle.partner) / result.bill_cycle.object_key)
    state["seconds"] = round(result.seconds, 3)
    print(json.dumps(state, indent=2))


if __name__ == "__main__":
    main()
