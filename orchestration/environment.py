"""Which environment this is (local, ci or prod) and every path and target that follows from it.

Everything the pipeline touches is derived here, once: the data folder, the lake, dlt's working
folders, the two warehouse files, the dbt project and target, and Dagster's home. Nothing else
in `orchestration/` builds a path of its own.

Variables read (all optional in local and ci):
- `MSP_ENV`: local (default), ci or prod.
- `MSP_DATA_DIR`: where generated state lives; `data/` in the project by default.
- `DESTINATION__FILESYSTEM__BUCKET_URL`: an `s3://bucket/prefix` lake instead of `<data>/lake`.
- `MSP_DBT_TARGET`: overrides the dbt target (default: s3 for an S3 lake, else ci or local).
- `MSP_VENDORS`: a comma list restricting which vendor sources run (an MSP without Auvik, say).
- `MSP_EMULATOR_URL`: the emulator that local and ci point vendors at when their
  `SOURCES__<VENDOR>__*` variables are unset (default `http://127.0.0.1:8900`, `make serve`).
- `SOURCES__<VENDOR>__*`: each vendor's base URL and credentials, read by its dlt source.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("local", "ci", "prod")
DEFAULT_EMULATOR_URL = "http://127.0.0.1:8900"
DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")


@dataclass(frozen=True)
class Environment:
    """Every path and target of one environment; build it with `Environment.from_env()`."""

    name: str
    data_dir: Path
    lake_url: str  # an absolute folder or s3://bucket/prefix, as DuckDB and dbt read it
    dbt_target: str
    vendors: tuple[str, ...] | None = None  # None: every registered vendor

    @classmethod
    def from_env(cls, environ: MutableMapping[str, str] | None = None) -> Environment:
        environ = os.environ if environ is None else environ
        name = environ.get("MSP_ENV", "local")
        if name not in ENVIRONMENTS:
            raise ValueError(f"MSP_ENV={name!r} is not one of {', '.join(ENVIRONMENTS)}")

        data_dir = Path(environ.get("MSP_DATA_DIR") or PROJECT_ROOT / "data").resolve()
        bucket = environ.get("DESTINATION__FILESYSTEM__BUCKET_URL", "")
        if bucket and not bucket.startswith("s3://"):
            raise ValueError(
                f"DESTINATION__FILESYSTEM__BUCKET_URL={bucket!r}: expected s3://...; "
                "leave it unset for the local lake under MSP_DATA_DIR"
            )
        lake_url = bucket.rstrip("/") if bucket else str(data_dir / "lake")
        default_target = "s3" if bucket else ("ci" if name == "ci" else "local")
        vendors = environ.get("MSP_VENDORS", "").replace(" ", "")
        return cls(
            name,
            data_dir,
            lake_url,
            environ.get("MSP_DBT_TARGET") or default_target,
            tuple(vendors.split(",")) if vendors else None,
        )

    @property
    def lake_is_s3(self) -> bool:
        return self.lake_url.startswith("s3://")

    @property
    def dlt_bucket_url(self) -> str:
        """The lake as dlt's filesystem destination wants it: a URL, file:// for a folder."""
        return self.lake_url if self.lake_is_s3 else Path(self.lake_url).as_uri()

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's working state (incremental cursors, pending packages), never in ~/.dlt."""
        return self.data_dir / "dlt"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def build_path(self) -> Path:
        """The file dbt writes; only the pipeline ever opens it."""
        return self.warehouse_dir / "build.duckdb"

    @property
    def serving_path(self) -> Path:
        """The file readers open read-only; replaced whole by each publish."""
        return self.warehouse_dir / "serving.duckdb"

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt_project"

    @property
    def dbt_target_path(self) -> Path:
        """dbt's manifest and per-run artifacts, kept with the data, away from the source tree."""
        return self.data_dir / "dbt" / "target"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    def dbt_variables(self) -> dict[str, str]:
        """What dbt's profile and sources read from the environment."""
        found = {
            "MSP_LAKE_URL": self.lake_url,
            "MSP_WAREHOUSE_PATH": str(self.build_path),
            "MSP_DBT_TARGET": self.dbt_target,
            "DBT_TARGET_PATH": str(self.dbt_target_path),
        }
        endpoint = os.environ.get("DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL", "")
        if self.lake_is_s3 and endpoint:
            parts = urlsplit(endpoint)
            found["MSP_S3_ENDPOINT"] = parts.netloc or parts.path
            found["MSP_S3_USE_SSL"] = "false" if parts.scheme == "http" else "true"
        return found

    def export(self, environ: MutableMapping[str, str] | None = None) -> None:
        """Set the variables dbt and the vendor sources read, and create the folders.

        In local and ci, vendors whose `SOURCES__<VENDOR>__BASE_URL` is unset are pointed at
        the emulator (`MSP_EMULATOR_URL`); prod never falls back to it.
        """
        environ = os.environ if environ is None else environ
        environ.update(self.dbt_variables())
        if self.name != "prod":
            emulator = environ.get("MSP_EMULATOR_URL", DEFAULT_EMULATOR_URL)
            point_at_emulator(emulator, environ, overwrite=False)
        for folder in (self.dlt_pipelines_dir, self.warehouse_dir, self.dbt_target_path):
            folder.mkdir(parents=True, exist_ok=True)
        if not self.lake_is_s3:
            Path(self.lake_url).mkdir(parents=True, exist_ok=True)
        else:
            install_httpfs()

    def prepare_dagster_home(self) -> Path:
        """DAGSTER_HOME under the data folder, holding the project's dagster.yaml."""
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DAGSTER_YAML, self.dagster_home / "dagster.yaml")
        return self.dagster_home


def install_httpfs() -> None:
    """DuckDB reads an S3 lake through httpfs, which must never be downloaded at run time: the
    duckdb-extension-httpfs wheel carries the signed binary; importing it once per machine puts
    it where `INSTALL`/`LOAD` and dbt-duckdb's `extensions:` find it offline."""
    import duckdb
    import duckdb_extensions

    installed = duckdb.sql(
        "select installed from duckdb_extensions() where extension_name = 'httpfs'"
    ).fetchone()
    if not (installed and installed[0]):
        duckdb_extensions.import_extension("httpfs")


def emulator_settings(base_url: str) -> dict[str, dict[str, str]]:
    """Each vendor's `SOURCES__<VENDOR>__*` values for an emulator served at `base_url`."""
    from simulator.vendors import auvik, connectwise, cove, sentinelone, veeam

    base = base_url.rstrip("/")
    return {
        "connectwise": {
            "BASE_URL": base + connectwise.PREFIX,
            "COMPANY_ID": connectwise.COMPANY_ID,
            "PUBLIC_KEY": connectwise.PUBLIC_KEY,
            "PRIVATE_KEY": connectwise.PRIVATE_KEY,
            "CLIENT_ID": connectwise.CLIENT_ID,
        },
        "sentinelone": {"BASE_URL": base + sentinelone.PREFIX, "API_TOKEN": sentinelone.API_TOKEN},
        "auvik": {
            "BASE_URL": base + auvik.PREFIX,
            "USERNAME": auvik.USERNAME,
            "API_KEY": auvik.API_KEY,
        },
        "veeam": {
            "BASE_URL": base + veeam.PREFIX,
            "USERNAME": veeam.USERNAME,
            "PASSWORD": veeam.PASSWORD,
            "API_KEY": veeam.API_KEY,
        },
        "cove": {
            "BASE_URL": base + cove.PREFIX,
            "USERNAME": cove.USERNAME,
            "PASSWORD": cove.PASSWORD,
            "PARTNER": cove.PARTNER,
        },
    }


def point_at_emulator(
    base_url: str, environ: MutableMapping[str, str] | None = None, *, overwrite: bool = True
) -> None:
    """Point every vendor source at the emulator through the variables production uses.

    With `overwrite=False` a vendor whose base URL is already configured is left alone, so a
    real endpoint set by an operator always wins over the emulator.
    """
    environ = os.environ if environ is None else environ
    for vendor, values in emulator_settings(base_url).items():
        prefix = f"SOURCES__{vendor.upper()}__"
        if not overwrite and environ.get(prefix + "BASE_URL"):
            continue
        for key, value in values.items():
            environ[prefix + key] = value
