"""The ``clinic`` command: serve, worker, dispatch, db upgrade, demo, user add."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import threading
from collections.abc import Sequence

from pydantic import ValidationError

from booking import web
from booking.demo import seed
from booking.dispatching import Dispatcher
from booking.models import Role
from booking.schemas.staff import StaffUserIn
from booking.services.context import Actor, Context
from booking.services.staff import create_user
from core import migrations
from core.clock import SystemClock
from core.db import Database
from core.errors import DomainError
from core.settings import get_settings


def _database() -> Database:
    settings = get_settings()
    return Database.from_url(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        write_wait_ms=settings.sqlite_write_wait_ms,
    )  # fmt: skip


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    database = _database()
    done = migrations.upgrade(database.engine)
    database.dispose()
    print(done.describe())
    return 0


def cmd_demo(_args: argparse.Namespace) -> int:
    database = _database()
    migrations.upgrade(database.engine)
    with database.session() as session:
        now = SystemClock().now()
        ctx = Context(session=session, actor=Actor.system("demo"), now=now, settings=get_settings())
        logins = seed(ctx)
    database.dispose()
    url = get_settings().public_url.rstrip("/")
    print("Demo clinic ready: Harbor Clinic (America/New_York)")
    print("  Pages:")
    for what, path in web.addresses():
        print(f"    {what:<32} {url}{path}")
    print(f"  API docs:  {url}/docs")
    print(f"  Health:    {url}/health")
    print("  Staff logins (passwords are new on every `clinic demo`):")
    for login in logins:
        print(f"    {login.role.value:<11} {login.email:<32} {login.password}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    password = os.environ.get("CLINIC_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
    try:
        data = StaffUserIn(
            email=args.email, name=args.name, role=Role(args.role), password=password
        )
    except ValidationError as exc:
        for error in exc.errors():
            print(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    database = _database()
    try:
        with database.session() as session:
            ctx = Context(session=session, actor=Actor.system("cli"), now=SystemClock().now())
            user = create_user(ctx, data=data)
            print(f"created {user.role.value} {user.email}")
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    return 0


def _dispatcher(database: Database) -> Dispatcher:
    return Dispatcher.build(database, get_settings(), SystemClock())


def cmd_dispatch(args: argparse.Namespace) -> int:
    """One pass (``--once``): claim what is due, send it, print what happened."""
    database = _database()
    try:
        report = _dispatcher(database).run_once()
    finally:
        database.dispose()
    print(report.describe(), flush=True)
    return 0


def cmd_worker(_args: argparse.Namespace) -> int:
    """The dispatcher alone, until SIGTERM or SIGINT (the pass in progress finishes)."""
    database = _database()
    runner = _dispatcher(database).runner()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    runner.start()
    interval = get_settings().dispatch_interval_seconds
    print(f"Dispatching notices every {interval} s (stop with Ctrl-C)", flush=True)
    try:
        stop.wait()
    finally:
        runner.stop(wait=True)
        database.dispose()
    print("Dispatcher stopped", flush=True)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.no_scheduler:  # each worker's app reads it (CLINIC_RUN_SCHEDULER)
        os.environ["CLINIC_RUN_SCHEDULER"] = "0"
        get_settings.cache_clear()

    public = get_settings().public_url.rstrip("/")
    print(f"Serving the clinic on http://{args.host}:{args.port}", flush=True)
    # Where people go, and what manage links point at (CLINIC_PUBLIC_URL), may be a proxy.
    print(f"  Public URL: {public}  (API docs: {public}/docs)", flush=True)
    uvicorn.run(
        "booking.app:serve_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http="httptools",  # h11 with several workers stalls keep-alive requests (DESIGN.md)
        loop="uvloop",
        log_level=args.log_level,
        # The client's address is the socket peer unless CLINIC_TRUSTED_PROXIES says
        # otherwise; uvicorn's own X-Forwarded-For handling would believe loopback.
        proxy_headers=False,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API and web pages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler")
    serve.set_defaults(run=cmd_serve)

    worker = commands.add_parser("worker", help="dispatch due notices until stopped")
    worker.set_defaults(run=cmd_worker)
    dispatch = commands.add_parser("dispatch", help="dispatch due notices once and report")
    dispatch.add_argument("--once", action="store_true", required=True, help="one pass")
    dispatch.set_defaults(run=cmd_dispatch)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="migrate to the latest schema").set_defaults(run=cmd_db_upgrade)

    demo = commands.add_parser("demo", help="seed the demo clinic and print logins")
    demo.set_defaults(run=cmd_demo)

    user = commands.add_parser("user", help="staff accounts").add_subparsers(
        dest="user", required=True
    )
    add = user.add_parser(
        "add", help="add a staff account (password from a prompt or CLINIC_NEW_USER_PASSWORD)"
    )
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.set_defaults(run=cmd_user_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
