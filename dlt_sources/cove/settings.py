"""Cove Data Protection (N-able Backup) JSON-RPC methods, columns and defaults."""

ENDPOINT = "/jsonapi"  # under the base URL `https://api.backup.management`

# EnumerateAccountStatistics columns -> lake column names. Every value arrives as a string.
# D09 is the "Total" data source: the device's sessions over all its data sources.
ACCOUNT_COLUMNS = {
    "I0": "device_id",
    "I1": "device_name",
    "I18": "computer_name",
    "I8": "customer_name",
    "I16": "os_name",
    "I32": "os_type",
    "I59": "account_type",
    "I78": "data_sources",
    "I14": "used_storage_bytes",
    "I4": "created_at_unix",
    "I6": "last_update_unix",
    "D09F00": "last_session_status",
    "D09F15": "last_session_started_unix",
    "D09F12": "last_session_duration_seconds",
    "D09F09": "last_success_started_unix",
    "D09F06": "last_session_errors",
    "D09F17": "last_completed_status",
    "D09F18": "last_completed_ended_unix",
    "D09F08": "colour_bar",
}
# The account id orders the rows: it never changes, so a record updated during the read keeps
# its place; an account added before the current offset repeats a row, which forces a re-read.
STABLE_ORDER = "I0 ASC"
PAGE_SIZE = 500
MAX_SCANS = 5

# JSON-RPC error `data` codes with a meaning of their own.
VISA_INVALID = 1701
LOGIN_FAILED = 2100
NOT_ALLOWED = 13501
