"""The query context Superset saves with a chart, derived from the chart's parameters.

The browser builds it when someone saves a chart in Explore; charts kept as code have none, and
`/api/v1/chart/<id>/data/` refuses a chart without one. This covers the chart types the project
uses (big numbers, tables, line and bar time series) and asks for the rows those charts draw,
without the browser-side reshaping (pivots, rolling windows), so the answer is plain rows.
"""

from __future__ import annotations

import json
from typing import Any

TIME_SERIES = {"echarts_timeseries_line", "echarts_timeseries_bar", "big_number"}


def axis_column(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "columnType": "BASE_AXIS",
        "expressionType": "SQL",
        "sqlExpression": params["x_axis"],
        "label": params["x_axis"],
        "timeGrain": params.get("time_grain_sqla"),
    }


def where_clause(params: dict[str, Any]) -> str:
    parts = [
        f"({item['sqlExpression']})"
        for item in params.get("adhoc_filters", [])
        if item.get("expressionType") == "SQL" and item.get("clause") == "WHERE"
    ]
    return " AND ".join(parts)


def columns_metrics_order(params: dict[str, Any]) -> tuple[list, list, list]:
    viz = params["viz_type"]
    metrics = params.get("metrics") or ([params["metric"]] if params.get("metric") else [])
    if viz in TIME_SERIES:
        return [axis_column(params), *params.get("groupby", [])], metrics, [[metrics[0], False]]
    if viz == "big_number_total":
        return [], metrics, []
    if viz == "table" and params.get("query_mode") == "raw":
        order = [json.loads(item) for item in params.get("order_by_cols", [])]
        return list(params["all_columns"]), [], order
    if viz == "table":
        sort_by = params.get("timeseries_limit_metric") or metrics[0]
        return list(params["groupby"]), metrics, [[sort_by, not params.get("order_desc", True)]]
    raise ValueError(
        f"chart type {viz!r} has no query context recipe; expected one of "
        f"table, big_number_total, {', '.join(sorted(TIME_SERIES))}"
    )


def query_context(params: dict[str, Any], dataset_id: int) -> dict[str, Any]:
    """What Superset stores in `slices.query_context` for a chart with these parameters."""
    columns, metrics, orderby = columns_metrics_order(params)
    query = {
        "filters": [],
        "extras": {"where": where_clause(params), "having": ""},
        "applied_time_extras": {},
        "columns": columns,
        "metrics": metrics,
        "orderby": orderby,
        "annotation_layers": [],
        "row_limit": params.get("row_limit", 10000),
        "series_limit": 0,
        "order_desc": params.get("order_desc", True),
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "time_range": params.get("time_range", "No filter"),
    }
    if params["viz_type"] in TIME_SERIES:
        query["extras"]["time_grain_sqla"] = params.get("time_grain_sqla")
        query["series_columns"] = list(params.get("groupby", []))
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }
