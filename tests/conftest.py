"""Shared fixtures: a small world served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os

import pytest

from simulator.server import running
from simulator.world import WorldSpec

SMALL = WorldSpec(seed=11, tenants=4, days=20, devices_per_tenant=30)

for var, value in {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_VERSION_CHECK": "false",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
}.items():
    os.environ.setdefault(var, value)


@pytest.fixture(scope="module")
def emulator():
    """A fresh small world per test module: (base_url, SimState)."""
    with running(SMALL) as served:
        yield served
