"""Playbook settings: which tenants each playbook acts for, where tickets go, how often to note.

The embedded `playbooks.yaml` is the default; `MSP_PLAYBOOKS_CONFIG` names a file that
replaces it whole (for example a prod file listing the tenants that have opted in).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

EMBEDDED = Path(__file__).with_name("playbooks.yaml")
PLAYBOOKS = ("backup_not_covered", "contain_threat")


@dataclass(frozen=True)
class PlaybookSettings:
    environment: str
    enabled_for: dict[str, frozenset[int] | None]  # None: every tenant
    board: str
    priority_id: int
    closed_status: str
    note_every_hours: float
    source: Path

    def is_enabled(self, playbook: str, company_id: int) -> bool:
        """True when the playbook may really act for this tenant; otherwise it is a dry run."""
        tenants = self.enabled_for.get(playbook, frozenset())
        return tenants is None or company_id in tenants


def load_settings(environment: str, path: Path | None = None) -> PlaybookSettings:
    """Read the settings of one environment (local, ci or prod) from the file in force."""
    source = path or Path(os.environ.get("MSP_PLAYBOOKS_CONFIG") or EMBEDDED)
    raw = yaml.safe_load(source.read_text()) or {}
    per_env = (raw.get("environments") or {}).get(environment)
    if per_env is None:
        raise ValueError(f"{source}: no `environments.{environment}` section")

    enabled: dict[str, frozenset[int] | None] = {}
    for playbook in PLAYBOOKS:
        value = (per_env.get(playbook) or {}).get("enabled_for", [])
        if value == "all":
            enabled[playbook] = None
        elif isinstance(value, list) and all(isinstance(v, int) for v in value):
            enabled[playbook] = frozenset(value)
        else:
            raise ValueError(
                f"{source}: environments.{environment}.{playbook}.enabled_for must be `all` "
                f"or a list of ConnectWise company ids, got {value!r}"
            )
    connectwise = raw.get("connectwise") or {}
    return PlaybookSettings(
        environment=environment,
        enabled_for=enabled,
        board=str(connectwise.get("board", "NOC Alerts")),
        priority_id=int(connectwise.get("priority_id", 2)),
        closed_status=str(connectwise.get("closed_status", "Resolved")),
        note_every_hours=float((raw.get("note_every_hours") or {}).get(environment, 24)),
        source=source,
    )
