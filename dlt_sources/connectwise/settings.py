"""ConnectWise Manage endpoints and defaults."""

# Resource name -> list endpoint under the API base (`https://{site}/{codebase}/apis/3.0`).
INCREMENTAL_ENDPOINTS = {
    "companies": "/company/companies",
    "contacts": "/company/contacts",
    "configurations": "/company/configurations",
    "agreements": "/finance/agreements",
    "tickets": "/service/tickets",
}
SNAPSHOT_ENDPOINTS = {
    "boards": "/service/boards",
    "priorities": "/service/priorities",
    "slas": "/service/SLAs",
}
TICKETS_ENDPOINT = INCREMENTAL_ENDPOINTS["tickets"]
# Each SLA's targets per priority, the numbers SLA-met KPIs compare against.
SLA_PRIORITIES_ENDPOINT = "/service/SLAs/{sla_id}/priorities"

CURSOR_PATH = "_info/lastUpdated"  # the vendor's last-change stamp, as `conditions` spells it
CURSOR_COLUMN = "last_updated_at"  # the parsed copy that dlt's incremental reads

PAGE_SIZE = 1000  # the API's maximum
LAG_SECONDS = 900  # look-back for records saved late with an older lastUpdated
# Keyset paging: the server orders by id and hands out the next page as a Link with pageId,
# so records that change or vanish while we page neither shift nor repeat later pages.
FORWARD_ONLY = {"pagination-type": "forward-only"}
