"""`python -m superset_ops init|import|serve|stop|status`, run with superset/.venv/bin/python.

The paths follow the project's environment (MSP_ENV, MSP_DATA_DIR): metadata, secret key,
admin password, pid and log under `<data>/superset`, the warehouse at its serving file.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from superset_ops.paths import ADMIN_USERNAME, SupersetHome

log = logging.getLogger("superset_ops")
BIN = Path(sys.executable).parent


def superset_cli(home: SupersetHome, *args: str) -> None:
    started = time.monotonic()
    subprocess.run(
        [str(BIN / "superset"), *args],
        env=home.process_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log.info("superset %s took %.1f s", " ".join(args), time.monotonic() - started)


def ensure_admin(home: SupersetHome) -> None:
    """The admin user, its password the one kept in `<data>/superset/admin_password`."""
    from superset.app import create_app

    password = home.admin_password()
    with create_app().app_context():
        from superset import security_manager as security

        user = security.find_user(username=ADMIN_USERNAME)
        if user is None:
            security.add_user(
                ADMIN_USERNAME,
                "MSP",
                "Admin",
                "admin@localhost",
                security.find_role("Admin"),
                password=password,
            )
        else:
            security.reset_password(user.id, password)


def init(home: SupersetHome) -> None:
    """Metadata schema, roles and admin; skipped once done for this Superset version."""
    from importlib.metadata import version

    stamp = f"apache-superset {version('apache-superset')}"
    if home.initialized_marker.exists() and home.initialized_marker.read_text() == stamp:
        print(f"Superset already initialized in {home.home}")
        return

    started = time.monotonic()
    home.secret_key()
    superset_cli(home, "db", "upgrade")
    superset_cli(home, "init")
    ensure_admin(home)

    home.initialized_marker.write_text(stamp)
    print(f"Superset initialized in {home.home} in {time.monotonic() - started:.0f} s")


def import_dashboards(home: SupersetHome) -> None:
    from superset_ops.bundle import import_assets

    os.environ.update(home.process_env())
    started = time.monotonic()
    counts = import_assets(home)
    print(
        f"imported {', '.join(f'{n} {kind}' for kind, n in counts.items())} "
        f"in {time.monotonic() - started:.0f} s; warehouse {home.serving_path}"
    )


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def running_pid(home: SupersetHome) -> int | None:
    try:
        pid = int(home.pid_file.read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def serve(home: SupersetHome, port: int, timeout: float = 120) -> None:
    """gunicorn on 127.0.0.1 in the background; returns once /health answers."""
    if running_pid(home) and answers(port):
        print(f"Superset already serving on http://127.0.0.1:{port}")
        return

    with open(home.log_file, "ab") as log_file:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "120",
                "superset.app:create_app()",
            ],
            env=home.process_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    home.pid_file.write_text(str(process.pid))

    deadline = time.monotonic() + timeout
    while not answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"Superset did not answer on 127.0.0.1:{port}; see {home.log_file}")
        time.sleep(0.5)
    print(
        f"Superset: http://127.0.0.1:{port} (pid {process.pid}); log in as {ADMIN_USERNAME}, "
        f"password in {home.admin_password_file}"
    )


def stop(home: SupersetHome, timeout: float = 30) -> None:
    pid = running_pid(home)
    if pid is None:
        print("Superset is not running")
        return

    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.3)
    else:
        os.kill(pid, signal.SIGKILL)
    home.pid_file.unlink(missing_ok=True)
    print(f"Superset stopped (pid {pid})")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m superset_ops")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="metadata DB, roles, admin user (once)")
    commands.add_parser("import", help="import superset/assets with overwrite")
    serve_parser = commands.add_parser("serve", help="gunicorn on 127.0.0.1, in the background")
    serve_parser.add_argument("--port", type=int, default=8088)
    commands.add_parser("stop", help="stop the server started by serve")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    home = SupersetHome.from_env()
    home.home.mkdir(parents=True, exist_ok=True)
    if args.command == "init":
        init(home)
    elif args.command == "import":
        import_dashboards(home)
    elif args.command == "serve":
        serve(home, args.port)
    else:
        stop(home)


if __name__ == "__main__":
    main()
