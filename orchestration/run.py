"""Command line behind `make pipeline` and `make ui`.

`python -m orchestration.run pipeline` runs the whole job once, in this process, against the
configured endpoints. In local and ci with no vendor configured, that is the emulator at
`MSP_EMULATOR_URL` (`make serve`), or a world served here for the length of the run when
nothing answers there.

`python -m orchestration.run ui` serves the Dagster UI (`dagster dev`) on 127.0.0.1.
"""

import argparse
import os
import signal
import sys
from contextlib import ExitStack
from pathlib import Path

import dagster as dg
import requests

from orchestration.environment import DEFAULT_EMULATOR_URL, PROJECT_ROOT, Environment

WORKSPACE = PROJECT_ROOT / "workspace.yaml"


def uses_emulator(env: Environment) -> bool:
    configured = any(
        key.startswith("SOURCES__") and key.endswith("__BASE_URL") for key in os.environ
    )
    return env.name != "prod" and not configured


def emulator_answers(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/_sim/health", timeout=2).ok
    except requests.RequestException:
        return False


def run_pipeline(seed: int) -> int:
    env = Environment.from_env()
    os.environ["DAGSTER_HOME"] = str(env.prepare_dagster_home())
    with ExitStack() as stack:
        emulator = os.environ.setdefault("MSP_EMULATOR_URL", DEFAULT_EMULATOR_URL)
        if uses_emulator(env) and not emulator_answers(emulator):
            from simulator.server import running
            from simulator.world import WorldSpec

            emulator, _ = stack.enter_context(running(WorldSpec(seed=seed)))
            os.environ["MSP_EMULATOR_URL"] = emulator
            print(f"no emulator answered; serving the world of seed {seed} at {emulator}")

        from orchestration.definitions import FULL_PIPELINE, build_definitions
        from orchestration.transform import prepare

        env.export()
        prepare(env, force=True)
        defs = build_definitions(env)
        with dg.DagsterInstance.get() as instance:
            result = defs.resolve_job_def(FULL_PIPELINE).execute_in_process(
                instance=instance, raise_on_error=False
            )

    assets = len(result.get_asset_materialization_events())
    checks = result.get_asset_check_evaluations()
    failed = [f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed]
    print(
        f"{FULL_PIPELINE} {'succeeded' if result.success else 'FAILED'}: {assets} assets "
        f"materialized, {len(checks) - len(failed)}/{len(checks)} checks passed; "
        f"readers open {env.serving_path}"
    )
    if failed:
        print("failed checks: " + ", ".join(failed))
    failed_steps = sorted({event.step_key for event in result.all_events if event.is_step_failure})
    if failed_steps:
        print(f"failed steps (nothing downstream of them was published): {failed_steps}")
    return 0 if result.success and not failed else 1


def serve_ui(port: int) -> None:
    env = Environment.from_env()
    os.environ["DAGSTER_HOME"] = str(env.prepare_dagster_home())
    # Started from make or another script, SIGINT and SIGTERM may arrive ignored (SIG_IGN is
    # inherited across exec), and dagster dev would then outlive Ctrl-C and `kill`.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    print(
        f"Dagster UI: http://127.0.0.1:{port} (DAGSTER_HOME={env.dagster_home}, "
        f"MSP_ENV={env.name})",
        flush=True,
    )
    dagster = str(Path(sys.executable).with_name("dagster"))
    os.chdir(PROJECT_ROOT)
    os.execv(
        dagster,
        [dagster, "dev", "--host", "127.0.0.1", "--port", str(port), "--workspace", str(WORKSPACE)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.run")
    commands = parser.add_subparsers(dest="command", required=True)
    pipeline = commands.add_parser("pipeline", help="run the whole job once")
    pipeline.add_argument("--seed", type=int, default=7, help="world served if none answers")
    ui = commands.add_parser("ui", help="serve the Dagster UI on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    args = parser.parse_args()

    if args.command == "pipeline":
        sys.exit(run_pipeline(args.seed))
    serve_ui(args.port)


if __name__ == "__main__":
    main()
