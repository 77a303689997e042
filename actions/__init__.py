"""Policies as data, actions as code: playbooks that act on the published policy models.

`playbooks` decides (pure), `executors` speaks to the vendors, `log` keeps every attempt,
`runner` ties them together, `approvals` gates destructive steps, `cli` is `msp actions`.
"""
