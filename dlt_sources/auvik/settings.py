"""Auvik API v1 endpoints and defaults."""

TENANTS_ENDPOINT = "/tenants"
TENANT_DETAIL_ENDPOINT = "/tenants/detail"
DEVICES_ENDPOINT = "/inventory/device/info"

# Resource name -> (list endpoint, the filter that selects changed records, cursor in a record).
INCREMENTAL_ENDPOINTS = {
    "devices": (DEVICES_ENDPOINT, "filter[modifiedAfter]", "attributes/lastModified"),
    "interfaces": ("/inventory/interface/info", "filter[modifiedAfter]", "attributes/lastModified"),
    # Alerts change status (resolved, dismissed) without a modified stamp to filter on, so the
    # read starts a look-back window before the newest detection seen (ALERT_LOOKBACK_HOURS).
    "alerts": ("/alert/history/info", "filter[detectedTimeAfter]", "attributes/detectedOn"),
}
CURSOR_COLUMNS = {
    "devices": "last_modified_at",
    "interfaces": "last_modified_at",
    "alerts": "detected_at",
}

PAGE_SIZE = 1000  # the spec states no maximum; Auvik's own clients stop at 1000
LAG_SECONDS = 900  # look-back for devices and interfaces saved late with an older stamp
ALERT_LOOKBACK_HOURS = 72.0  # how long after detection an alert's status is still re-read
MEDIA = "application/vnd.api+json"
