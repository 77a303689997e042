"""Dashboards as code: the YAML tree in `superset/assets`, zipped and imported with overwrite.

Superset's dashboard import leaves existing charts and datasets untouched, so each kind is
imported by its own command with overwrite, parents first: the database (its URI set here to
the serving warehouse of this environment), the datasets, the charts, then the dashboards.
Every chart then gets the query context a save in the UI would give it, so its data answers
at `/api/v1/chart/<id>/data/`.
"""

from __future__ import annotations

import io
import json
import logging
import time
import zipfile
from pathlib import Path

import yaml

from superset_ops.paths import ADMIN_USERNAME, ASSETS_DIR, SupersetHome
from superset_ops.query_context import query_context

log = logging.getLogger(__name__)

KINDS = (  # (folder, the type metadata.yaml names, what that kind's bundle must also carry)
    ("databases", "Database", ()),
    ("datasets", "SqlaTable", ("databases",)),
    ("charts", "Slice", ("databases", "datasets")),
    ("dashboards", "Dashboard", ("databases", "datasets", "charts")),
)


def read_assets(serving_path: Path, assets_dir: Path = ASSETS_DIR) -> dict[str, dict]:
    """Every YAML file of the tree by its path in the bundle, the database aimed at the file."""
    configs = {
        path.relative_to(assets_dir).as_posix(): yaml.safe_load(path.read_text())
        for path in sorted(assets_dir.rglob("*.yaml"))
        if path.name != "metadata.yaml"
    }
    for name, config in configs.items():
        if name.startswith("databases/"):
            config["sqlalchemy_uri"] = f"duckdb:///{serving_path}"
    return configs


def zipped(configs: dict[str, dict], kind_type: str, folders: tuple[str, ...]) -> bytes:
    """One import bundle: a root folder holding metadata.yaml and the listed folders."""
    metadata = {"version": "1.0.0", "type": kind_type, "timestamp": "2026-01-01T00:00:00+00:00"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("msp_assets/metadata.yaml", yaml.safe_dump(metadata))
        for name, config in configs.items():
            if name.split("/", 1)[0] in folders:
                bundle.writestr(f"msp_assets/{name}", yaml.safe_dump(config, sort_keys=False))
    return buffer.getvalue()


def import_assets(home: SupersetHome) -> dict[str, int]:
    """Import the whole tree into the Superset of `home`; returns how many of each kind."""
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset.commands.chart.importers.dispatcher import ImportChartsCommand
        from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
        from superset.commands.database.importers.dispatcher import ImportDatabasesCommand
        from superset.commands.dataset.importers.dispatcher import ImportDatasetsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle
        from superset.utils.core import override_user

        from superset import security_manager

        commands = {
            "databases": ImportDatabasesCommand,
            "datasets": ImportDatasetsCommand,
            "charts": ImportChartsCommand,
            "dashboards": ImportDashboardsCommand,
        }
        configs = read_assets(home.serving_path)
        counts = {}
        with override_user(security_manager.find_user(username=ADMIN_USERNAME)):
            for folder, kind_type, parents in KINDS:
                started = time.monotonic()
                data = zipped(configs, kind_type, (*parents, folder))
                with zipfile.ZipFile(io.BytesIO(data)) as bundle:
                    contents = get_contents_from_bundle(bundle)
                commands[folder](contents, overwrite=True).run()
                counts[folder] = sum(name.startswith(folder + "/") for name in configs)
                log.info(
                    "imported %d %s in %.1f s", counts[folder], folder, time.monotonic() - started
                )
            save_query_contexts(configs)
    return counts


def save_query_contexts(configs: dict[str, dict]) -> None:
    """Give each imported chart the query context its parameters imply."""
    from superset.models.slice import Slice

    from superset import db

    uuids = {str(config["uuid"]) for name, config in configs.items() if name.startswith("charts/")}
    for chart in db.session.query(Slice).all():
        if str(chart.uuid) in uuids:
            params = json.loads(chart.params or "{}")
            chart.query_context = json.dumps(query_context(params, chart.datasource_id))
    db.session.commit()
