"""Superset for MSPAlwaysOn, run with Superset's own interpreter (superset/.venv).

`python -m superset_ops init|import|serve|stop|status` from the `superset/` folder; the Makefile
targets `superset-init`, `superset-import`, `superset-serve` and `superset-stop` call these.
"""
