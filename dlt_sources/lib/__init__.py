"""Ingestion mechanics shared by every vendor source: HTTP with retries, Arrow pages with a
fixed schema and a quarantine, an incremental cursor with a look-back window, and the lake."""

from dlt_sources.lib.arrow import LOADED_AT, TableSpec, to_arrow
from dlt_sources.lib.http import ApiClient, ApiError, RetryPolicy
from dlt_sources.lib.lake import lake_destination, lake_pipeline, lake_url, run_to_lake
from dlt_sources.lib.pages import arrow_pages, cursor_start, lagged_cursor, quarantine_table

__all__ = [
    "LOADED_AT",
    "ApiClient",
    "ApiError",
    "RetryPolicy",
    "TableSpec",
    "arrow_pages",
    "cursor_start",
    "lagged_cursor",
    "lake_destination",
    "lake_pipeline",
    "lake_url",
    "quarantine_table",
    "run_to_lake",
    "to_arrow",
]
