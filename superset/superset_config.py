"""Superset's configuration for MSPAlwaysOn, read through SUPERSET_CONFIG_PATH.

State lives under `<data>/superset` (SQLite metadata, the secret key); the server is reached on
127.0.0.1 only and nothing here, nor in the pages it serves, calls another host: no telemetry
pixel, no map tiles, no web fonts.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from superset_ops.paths import SupersetHome  # noqa: E402

_home = SupersetHome.from_env()
_home.home.mkdir(parents=True, exist_ok=True)

SECRET_KEY = _home.secret_key()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_home.metadata_db}?check_same_thread=false"
DATA_DIR = str(_home.home)

# No outside calls: the Scarf pixel and map tiles are blocked by the page's content policy,
# and no chart here draws a map; CORS admits no foreign origin.
MAPBOX_API_KEY = ""
ENABLE_CORS = False
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}

# One worker, no Celery: queries run in the web process, results are not cached.
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": False,
    "EMBEDDED_SUPERSET": False,
    "ALERT_REPORTS": False,
    "THUMBNAILS": False,
    "GLOBAL_ASYNC_QUERIES": False,
}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
ROW_LIMIT = 10000
SQLLAB_CTAS_NO_LIMIT = True
WTF_CSRF_ENABLED = True
WTF_CSRF_EXEMPT_LIST = ["superset.views.core.log", "superset.charts.data.api.data"]
SHOW_STACKTRACE = False
