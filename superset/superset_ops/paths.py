"""Where Superset keeps its state, derived from the project's one environment module.

Superset's interpreter cannot import the pipeline's packages, so `orchestration/environment.py`
(standard library only at import time) is loaded from its file: the data folder and the serving
warehouse are then the very paths the pipeline publishes to.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

SUPERSET_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = SUPERSET_DIR.parent
ASSETS_DIR = SUPERSET_DIR / "assets"
CONFIG_PATH = SUPERSET_DIR / "superset_config.py"
ADMIN_USERNAME = "admin"


def project_environment():
    """The pipeline's `Environment` for the current variables (MSP_ENV, MSP_DATA_DIR, ...)."""
    module_path = PROJECT_ROOT / "orchestration" / "environment.py"
    spec = importlib.util.spec_from_file_location("msp_project_environment", module_path)
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module.Environment.from_env()


@dataclass(frozen=True)
class SupersetHome:
    """Superset's generated state under `<data>/superset`, ignored by git like all of data/."""

    home: Path
    serving_path: Path

    @classmethod
    def from_env(cls) -> SupersetHome:
        env = project_environment()
        return cls(env.data_dir / "superset", env.serving_path)

    @property
    def metadata_db(self) -> Path:
        return self.home / "superset.db"

    @property
    def secret_key_file(self) -> Path:
        return self.home / "secret_key"

    @property
    def admin_password_file(self) -> Path:
        return self.home / "admin_password"

    @property
    def initialized_marker(self) -> Path:
        return self.home / "initialized"

    @property
    def pid_file(self) -> Path:
        return self.home / "gunicorn.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "superset.log"

    def secret(self, path: Path) -> str:
        """A random value generated on first use and kept, readable by this user only."""
        self.home.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
        return path.read_text().strip()

    def secret_key(self) -> str:
        return self.secret(self.secret_key_file)

    def admin_password(self) -> str:
        return self.secret(self.admin_password_file)

    def process_env(self) -> dict[str, str]:
        """The variables every Superset process of this project runs with."""
        environ = dict(os.environ)
        environ.update(
            SUPERSET_CONFIG_PATH=str(CONFIG_PATH),
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(SUPERSET_DIR), environ.get("PYTHONPATH")])
            ),
            FLASK_APP="superset.app:create_app()",
            SUPERSET_HOME=str(self.home),
            DO_NOT_TRACK="1",
            SCARF_ANALYTICS="false",
        )
        return environ
