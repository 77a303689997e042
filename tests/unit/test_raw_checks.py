"""Raw-data suites pass on good records and name what is wrong in bad ones."""

import pandas as pd
import pytest

from checks.raw import ERROR, WARN, QualitySummary, run_suite, s3_secret_sql, validate
from checks.suites import SUITES

BY_NAME = {suite.name: suite for suite in SUITES}
WHEN = pd.Timestamp("2026-11-30T10:00:00Z")

# Two valid rows per suite, shaped as each select list names its columns.
GOOD = {
    "connectwise__tickets": {
        "id": [1, 2],
        "summary": ["Printer offline", "VPN drops"],
        "record_type": ["ServiceTicket"] * 2,
        "company_id": [250, 257],
        "board_id": [1, 2],
        "priority_id": [8, 6],
        "severity": ["Medium", "High"],
        "impact": ["Low", "Medium"],
        "closed_date": ["2026-11-30T09:00:00Z", None],
        "last_updated": ["2026-11-30T10:00:00Z"] * 2,
        "date_entered": ["2026-11-29T08:00:00Z"] * 2,
        "last_updated_at": [WHEN] * 2,
        "respond_minutes": [14, 0],
        "actual_hours": [1.5, None],
        "is_closed_with_date": [True, True],
        "is_entered_before_update": [True, True],
    },
    "connectwise__configurations": {
        "id": [9021, 9022],
        "name": ["ACME-WS-014", "ACME-FW-01"],
        "company_id": [250, 250],
        "type_name": ["Workstation", "Firewall"],
        "mac_address": ["00:11:22:33:44:55", "00-1C-42-0F-E8-BC"],
        "ip_address": ["10.20.0.14", "fe80::1"],
        "last_updated": ["2026-11-30T10:00:00Z"] * 2,
        "last_updated_at": [WHEN] * 2,
    },
    "connectwise__companies": {
        "id": [2, 250],
        "identifier": ["BluefinMSP", "AcmeDental"],
        "name": ["Bluefin", "Acme Dental Group"],
        "status_name": ["Active"] * 2,
        "number_of_employees": [40, 12],
        "last_updated": ["2026-11-30T10:00:00Z"] * 2,
        "last_updated_at": [WHEN] * 2,
    },
    "sentinelone__agents": {
        "id": ["1839204758123456789", "1839204758123456790"],
        "uuid": ["ff819e70af13be381993075eb0ce5f2f", "0e819e70af13be381993075eb0ce5f2f"],
        "computer_name": ["LT-ACC-014", "SRV-01"],
        "account_id": ["9001"] * 2,
        "site_id": ["9101"] * 2,
        "os_type": ["windows", "linux"],
        "machine_type": ["laptop", "server"],
        "network_status": ["connected", "disconnected"],
        "mitigation_mode": ["protect", "detect"],
        "scan_status": ["finished", "none"],
        "agent_version": ["24.1.4.257", "23.4.2"],
        "active_threats": [0, 2],
        "total_memory": [16384, 65536],
        "external_ip": ["203.0.113.7"] * 2,
        "last_ip_to_mgmt": ["10.20.0.14", "10.20.0.15"],
        "first_interface_mac": ["00:1c:42:c0:e2:39", None],
        "updated_at": ["2026-11-30T10:00:00.257525Z"] * 2,
        "last_active_date": ["2026-11-30T09:59:00.000000Z"] * 2,
        "last_updated_at": [WHEN] * 2,
    },
    "sentinelone__threats": {
        "id": ["1200236405231661699", "1200236405231661700"],
        "threat_id": ["1200236405231661699", "1200236405231661700"],
        "agent_id": ["1839204758123456789"] * 2,
        "site_id": ["9101"] * 2,
        "classification_source": ["Static", "Cloud"],
        "confidence_level": ["malicious", "suspicious"],
        "analyst_verdict": ["true_positive", "undefined"],
        "incident_status": ["resolved", "unresolved"],
        "mitigation_status": ["mitigated", "not_mitigated"],
        "detection_type": ["static", "dynamic"],
        "sha1": ["9be824c49fec582a663aefa7dca790a4ea49b616"] * 2,
        "sha256": ["a156e1b062411edb72050e5e6fee1984f98a88d4130cf90b86977f9c6d000cc9"] * 2,
        "created_at": ["2026-09-15T22:55:02.000000Z"] * 2,
        "updated_at": ["2026-09-17T04:45:26.000000Z"] * 2,
        "agent_ip_v4": ["10.13.1.104", "10.13.1.105"],
        "first_mitigation_action": ["quarantine", None],
        "first_mitigation_result": ["success", None],
        "last_updated_at": [WHEN] * 2,
    },
    "auvik__devices": {
        "id": ["MTEzNzY1MTE1MDAxMDg5ODg4", "MTI2OTcyODYwMjE1NzgxOTI2"],
        "type": ["device"] * 2,
        "device_name": ["sw-core-01", "fw-01"],
        "device_type": ["l3Switch", "firewall"],
        "online_status": ["online", "lowerLayerDown"],
        "first_ip_address": ["10.10.1.12", None],
        "last_modified": ["2026-05-31T00:00:00.000Z"] * 2,
        "last_seen_time": ["2026-09-20T23:59:16.000Z"] * 2,
        "tenant_id": ["6354340406183"] * 2,
        "last_modified_at": [WHEN] * 2,
    },
    "auvik__alerts": {
        "id": ["MzgyNjc1NjYzNjQz", "NjAyMzQ4Njk4MTEy"],
        "type": ["alert"] * 2,
        "alert_name": ["Device Offline", "High CPU Utilization"],
        "severity": ["critical", "warning"],
        "status": ["created", "resolved"],
        "detected_on": ["2026-09-01T02:43:52.000Z"] * 2,
        "tenant_id": ["3070052115"] * 2,
        "entity_type": ["device", "interface"],
        "entity_id": ["MTkwNTQ3", "ODk1MzY2"],
        "detected_at": [WHEN] * 2,
    },
    "veeam__jobs": {
        "instance_uid": [
            "044b7b95-3f85-4f53-b3fb-7822548f61c4",
            "efb453b3-6229-46ee-a2c0-5b9fadc6e107",
        ],
        "name": ["Servers nightly", "Copy to cloud"],
        "backup_server_uid": ["12de1d9f-ad2a-4da3-9f57-6446d3e2b6f1"] * 2,
        "organization_uid": ["0e0ed9ef-20c2-4fbd-bf08-209521eddfda"] * 2,
        "status": ["Success", "Failed"],
        "type": ["BackupVm", "SimpleBackupCopy"],
        "bottleneck": ["Source", "None"],
        "schedule_type": ["Daily", "Chained"],
        "target_type": ["Local", "Cloud"],
        "retention_limit_type": ["Days", "RestorePoints"],
        "retention_limit": [14, 7],
        "creation_time": ["2022-10-03T00:00:00.0000000+00:00"] * 2,
        "last_run": ["2026-09-20T23:17:25.0000000+02:00", None],
        "last_end_time": ["2026-09-20T23:59:53.0000000+02:00", None],
        "last_duration": [2548, None],
        "transferred_data": [35487167283, None],
        "first_task_status": ["Success", None],
    },
    "veeam__protected_vms": {
        "instance_uid": [
            "51bdba7c-bb05-442f-9035-b1ac27a2c4d4",
            "61bdba7c-bb05-442f-9035-b1ac27a2c4d4",
        ],
        "name": ["SQL01", "DC01"],
        "backup_server_uid": ["12de1d9f-ad2a-4da3-9f57-6446d3e2b6f1"] * 2,
        "organization_uid": ["0e0ed9ef-20c2-4fbd-bf08-209521eddfda"] * 2,
        "job_uid": ["044b7b95-3f85-4f53-b3fb-7822548f61c4"] * 2,
        "malware_state": ["Clean", "Unverified"],
        "restore_points": [12, 0],
        "used_source_size": [709743345664, 0],
        "latest_restore_point_size": [35487167283, 0],
        "latest_restore_point_date": ["2026-09-20T23:59:53.0000000+00:00", None],
        "first_ip_address": ["10.10.1.3", "10.10.1.4"],
    },
    "cove__account_statistics": {
        "account_id": [610001, 610002],
        "partner_id": [2674800] * 2,
        "device_name": ["rpi-ws-003", "rpi-srv-001"],
        "account_type": ["1", "2"],
        "os_type": ["1", "2"],
        "last_session_status": ["5", "2"],
        "last_completed_status": ["5", "8"],
        "data_sources": ["D01D02", "D1,D2"],
        "used_storage_bytes": ["98869073412", "0"],
        "last_session_errors": ["0", "3"],
        "created_at_unix": ["1758758400"] * 2,
        "last_session_started_unix": ["1789856386", None],
        "colour_bar": ["0000000055050555550555055500", "0000000000000000000000000002"],
        "flags": ["AutoDeployed", None],
    },
}

# One broken value per suite: (suite, changes, the column that must be named, how many rows
# it must count as unexpected, severity). A repeated key counts both of its rows.
BROKEN = [
    ("connectwise__tickets", {"id": [1, 1]}, "id", 2, ERROR),
    (
        "connectwise__configurations",
        {"mac_address": ["00:11:22:33:44", None]},
        "mac_address",
        1,
        WARN,
    ),
    (
        "connectwise__companies",
        {"identifier": ["AcmeDental", "AcmeDental"]},
        "identifier",
        2,
        ERROR,
    ),
    ("sentinelone__agents", {"os_type": ["windows", "plan9"]}, "os_type", 1, WARN),
    ("sentinelone__threats", {"agent_id": ["1839204758123456789", None]}, "agent_id", 1, ERROR),
    ("auvik__devices", {"online_status": ["online", "sleeping"]}, "online_status", 1, WARN),
    (
        "auvik__alerts",
        {"detected_on": ["2026-09-01 02:43:52", "2026-09-01T02:43:52.000Z"]},
        "detected_on",
        1,
        WARN,
    ),
    (
        "veeam__jobs",
        {"organization_uid": [None, "0e0ed9ef-20c2-4fbd-bf08-209521eddfda"]},
        "organization_uid",
        1,
        ERROR,
    ),
    ("veeam__protected_vms", {"malware_state": ["Clean", "Quarantined"]}, "malware_state", 1, WARN),
    (
        "cove__account_statistics",
        {"last_session_status": ["5", "4"]},
        "last_session_status",
        1,
        WARN,
    ),
]


def frame(suite: str, **changes) -> pd.DataFrame:
    return pd.DataFrame({**GOOD[suite], **changes})


def test_every_suite_has_a_good_frame_and_a_broken_case():
    assert set(GOOD) == set(BY_NAME)
    assert {suite for suite, *_ in BROKEN} == set(BY_NAME)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_records_pass(name):
    outcome = validate(BY_NAME[name], frame(name))
    assert outcome.failed == []
    assert outcome.success and outcome.rows == 2 and outcome.severity is None
    assert outcome.evaluated == len(BY_NAME[name].rules)


@pytest.mark.parametrize(
    ("name", "changes", "column", "unexpected", "severity"),
    BROKEN,
    ids=[case[0] for case in BROKEN],
)
def test_one_bad_value_fails_naming_its_column(name, changes, column, unexpected, severity):
    outcome = validate(BY_NAME[name], frame(name, **changes))

    assert not outcome.success
    assert [(f.column, f.unexpected, f.severity) for f in outcome.failures] == [
        (column, unexpected, severity)
    ]
    assert outcome.severity == severity


def test_bad_tickets_fail_naming_each_column():
    outcome = validate(
        BY_NAME["connectwise__tickets"],
        frame(
            "connectwise__tickets",
            id=[1, None],
            severity=["Medium", "Critical"],
            summary=["x" * 101, "VPN drops"],
            is_closed_with_date=[True, False],
        ),
    )

    assert {(f.column, f.expectation, f.unexpected) for f in outcome.failures} == {
        ("id", "expect_column_values_to_not_be_null", 1),
        ("severity", "expect_column_values_to_be_in_set", 1),
        ("summary", "expect_column_value_lengths_to_be_between", 1),
        ("is_closed_with_date", "expect_column_values_to_be_in_set", 1),
    }
    assert outcome.failures[0].column == "id"  # errors come first
    assert outcome.severity == ERROR
    assert "severity: 1 unexpected" in " ".join(outcome.failed)
    assert next(f for f in outcome.failures if f.column == "severity").examples == ("Critical",)


def test_a_resource_with_nothing_landed_fails_at_error_severity(tmp_path):
    outcome = run_suite(str(tmp_path), BY_NAME["cove__account_statistics"])

    assert (outcome.success, outcome.rows, outcome.severity) == (False, 0, ERROR)
    [failure] = outcome.failures
    assert failure.column == "*" and "No files found" in failure.expectation
    assert f"{tmp_path}/cove/account_statistics/*.parquet" in failure.expectation


def test_s3_secret_follows_the_dlt_credentials():
    prefix = "DESTINATION__FILESYSTEM__CREDENTIALS__"
    sql = s3_secret_sql(
        {
            prefix + "AWS_ACCESS_KEY_ID": "AKIA",
            prefix + "AWS_SECRET_ACCESS_KEY": "it's",
            prefix + "ENDPOINT_URL": "http://127.0.0.1:9000",
        }
    )
    assert sql == (
        "create or replace secret raw_lake (type s3, key_id 'AKIA', secret 'it''s', "
        "region 'us-east-1', endpoint '127.0.0.1:9000', url_style 'path', use_ssl false)"
    )
    aws = s3_secret_sql({prefix + "REGION_NAME": "eu-central-1"})
    assert "endpoint" not in aws and "region 'eu-central-1'" in aws


def test_summary_counts_and_names_the_failed_suites():
    summary = QualitySummary.of(
        [
            ("cove__account_statistics", True, None),
            ("auvik__alerts", False, WARN),
            ("connectwise__tickets", False, ERROR),
        ]
    )
    assert (summary.run, summary.passed) == (3, ("cove__account_statistics",))
    assert summary.failed == (("auvik__alerts", WARN), ("connectwise__tickets", ERROR))
    assert str(summary) == (
        "raw data suites: 3 run, 1 passed, 2 failed "
        "(auvik__alerts warn, connectwise__tickets error)"
    )
