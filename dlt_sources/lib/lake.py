"""Where sources land: the lake, a local folder by default or an S3-compatible bucket.

The choice is configuration only. With nothing set, Parquet files go under `data/lake` in the
project. `DESTINATION__FILESYSTEM__BUCKET_URL=s3://bucket/prefix` plus the
`DESTINATION__FILESYSTEM__CREDENTIALS__*` variables send them to S3, Wasabi or any other
S3-compatible store. The layout is one folder per vendor (the dataset) and resource (the table);
the filesystem destination only appends, so staging keeps the latest version of each record by
`_loaded_at` (and `_dlt_load_id`).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.destinations import filesystem

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LAKE_DIR = PROJECT_ROOT / "data" / "lake"
LAYOUT = "{table_name}/{load_id}.{file_id}.{ext}"

# Telemetry stays off unless an operator turns it on on purpose.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
# Every row of every table carries the id of the load that wrote it.
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
# dlt gzips its temporary extract files at level 9, which costs more than it saves on one disk.
os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")

# botocore 1.36+ adds checksum headers that Wasabi and some other S3-compatible stores refuse.
S3_COMPAT_CONFIG = {
    "request_checksum_calculation": "when_required",
    "response_checksum_validation": "when_required",
}


def lake_url() -> str:
    """The configured bucket URL, or the local default folder."""
    try:
        configured = dlt.config["destination.filesystem.bucket_url"]
    except (KeyError, ConfigFieldMissingException):
        configured = None
    return str(configured) if configured else DEFAULT_LAKE_DIR.as_uri()


def lake_destination(bucket_url: str | None = None) -> Any:
    url = bucket_url or lake_url()
    kwargs: dict[str, Any] = {}
    if url.startswith("s3://"):
        kwargs["kwargs"] = {"config_kwargs": dict(S3_COMPAT_CONFIG)}
    elif url.startswith("file://"):
        Path(url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    return filesystem(bucket_url=url, layout=LAYOUT, **kwargs)


def lake_pipeline(
    vendor: str, *, bucket_url: str | None = None, pipelines_dir: str | None = None
) -> dlt.Pipeline:
    """A pipeline that lands one vendor's resources as Parquet in the lake."""
    return dlt.pipeline(
        pipeline_name=f"{vendor}_to_lake",
        destination=lake_destination(bucket_url),
        dataset_name=vendor,
        pipelines_dir=pipelines_dir,
    )


def run_to_lake(pipeline: dlt.Pipeline, source: Any) -> dict[str, int]:
    """Run the pipeline, log rows per table and return them."""
    started = time.monotonic()
    pipeline.run(source, loader_file_format="parquet")
    counts = dict(pipeline.last_trace.last_normalize_info.row_counts)
    rows = {name: n for name, n in counts.items() if not name.startswith("_dlt")}
    log.info(
        "%s: loaded %s in %.1f s into %s",
        pipeline.pipeline_name,
        rows,
        time.monotonic() - started,
        pipeline.destination.config_params.get("bucket_url")
        if hasattr(pipeline.destination, "config_params")
        else pipeline.dataset_name,
    )
    return rows
