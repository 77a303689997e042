"""Veeam Service Provider Console (REST API v3) endpoints and defaults."""

# Resource name -> (list endpoint under the API base `https://{vspc}:1280/api/v3`, expand).
# VSPC offers no change filter and no session history, so every one is read whole each run.
SNAPSHOT_ENDPOINTS = {
    "companies": ("/organizations/companies", "Organization"),
    "backup_servers": ("/infrastructure/backupServers", None),
    "jobs": ("/infrastructure/backupServers/jobs", None),
    "protected_vms": ("/protectedWorkloads/virtualMachines", None),
    "repositories": ("/infrastructure/backupServers/repositories", "BackupRepositoryInfo"),
    "active_alarms": ("/alarms/active", None),
}
TOKEN_ENDPOINT = "/token"
ASYNC_STATES_DONE = {"succeed"}
ASYNC_STATES_FAILED = {"failed", "canceled"}

PAGE_SIZE = 500  # the API's maximum `limit`
# Offset paging shifts when records are written while a list is read; a snapshot whose total
# moved or that saw a record twice is read again, at most this many times in all.
MAX_SCANS = 5
# Sorting by the record's own uid keeps offsets stable under updates; inserts and deletes still
# shift them, which the total check above catches.
STABLE_SORT = '[{"property":"instanceUid","direction":"ascending","collation":"ordinal"}]'
ASYNC_POLL_SECONDS = 1.0
ASYNC_MAX_POLLS = 120
