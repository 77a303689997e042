"""SentinelOne Management API v2.1 endpoints and defaults."""

# Resource name -> (list endpoint under the API base, the cursor field the endpoint filters on).
# `updatedAt__gt` and `createdAt__gt` are the wire names of the range filters.
INCREMENTAL_ENDPOINTS = {
    "agents": ("/agents", "updatedAt"),
    "threats": ("/threats", "updatedAt"),
    "activities": ("/activities", "createdAt"),
}
# Accounts and sites are a few records per client, and their counters (active agents,
# licences) change without moving `updatedAt`, so they are read whole every run.
SNAPSHOT_ENDPOINTS = {
    "accounts": "/accounts",
    "sites": "/sites",
}
AGENTS_ENDPOINT = "/agents"

# Where the records sit in each answer: `/sites` wraps them as data.sites next to allSites.
RECORDS_PATH = {"sites": ("data", "sites")}
DEFAULT_RECORDS_PATH = ("data",)

# Where the cursor sits inside a record, and the parsed copy that dlt's incremental reads.
CURSOR_PATHS = {"agents": "updatedAt", "threats": "threatInfo/updatedAt", "activities": "createdAt"}
CURSOR_COLUMNS = {
    "agents": "last_updated_at",
    "threats": "last_updated_at",
    "activities": "recorded_at",
}

PAGE_SIZE = 1000  # the API's maximum `limit`
LAG_SECONDS = 900  # look-back for records saved late with an older stamp
# Keyset paging in id order: `cursor` carries the last id read, so records that change while
# a listing is paged neither shift nor repeat later pages. skipCount spares the server a count.
ORDER = {"sortBy": "id", "sortOrder": "asc", "skipCount": "true"}
