"""Arrow schemas of the VSPC records, named as the API spells them.

Timestamps stay ISO strings (7 fractional digits and an offset); staging casts them to UTC.
Nested objects stay structs; `lastSessionTasks` stays a list of structs.
"""

from __future__ import annotations

import pyarrow as pa

S, INT, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()


def struct(**fields: pa.DataType) -> pa.StructType:
    return pa.struct([pa.field(name, kind) for name, kind in fields.items()])


def schema(**fields: pa.DataType) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields.items()])


ORGANIZATION = struct(
    instanceUid=S,
    name=S,
    alias=S,
    type=S,
    taxId=S,
    email=S,
    phone=S,
    country=INT,
    countryName=S,
    regionName=S,
    city=S,
    street=S,
    zipCode=S,
    website=S,
    notes=S,
    veeamTenantId=S,
    companyId=S,
)
COMPANIES = schema(
    instanceUid=S,
    name=S,
    status=S,
    resellerUid=S,
    subscriptionPlanUid=S,
    isRestAccessEnabled=B,
    isAlarmDetectEnabled=B,
    loginUrl=S,
    companyServices=S,
    _embedded=struct(organization=ORGANIZATION),
)

BACKUP_SERVERS = schema(
    instanceUid=S,
    name=S,
    organizationUid=S,
    locationUid=S,
    managementAgentUid=S,
    version=S,
    displayVersion=S,
    installationUid=S,
    backupServerRoleType=S,
    status=S,
    inHighAvailabilityCluster=B,
)

TASK = struct(
    instanceUid=S,
    objectUid=S,
    objectName=S,
    totalObjects=INT,
    processedObjects=INT,
    readDataSize=INT,
    transferredDataSize=INT,
    startTime=S,
    endTime=S,
    duration=INT,
    failureMessages=pa.list_(S),
    status=S,
)
JOBS = schema(
    instanceUid=S,
    originalUid=S,
    uniqueUid=S,
    name=S,
    description=S,
    createdBy=S,
    creationTime=S,
    backupServerUid=S,
    locationUid=S,
    organizationUid=S,
    siteUid=S,
    mappedOrganizationUid=S,
    status=S,
    type=S,
    lastRun=S,
    lastEndTime=S,
    lastDuration=INT,
    avgDuration=INT,
    processingRate=F,
    transferredData=INT,
    backupChainSize=INT,
    bottleneck=S,
    isEnabled=B,
    scheduleType=S,
    failureMessage=S,
    targetType=S,
    destination=S,
    retentionLimit=INT,
    retentionLimitType=S,
    isGfsOptionEnabled=B,
    lastSessionTasks=pa.list_(TASK),
)

PROTECTED_VMS = schema(
    instanceUid=S,
    backupServerUid=S,
    organizationUid=S,
    name=S,
    hierarchyRef=S,
    parentHostRef=S,
    objectUid=S,
    ipAddresses=pa.list_(S),
    provisionedSourceSize=INT,
    usedSourceSize=INT,
    totalRestorePointSize=INT,
    latestRestorePointSize=INT,
    restorePoints=INT,
    latestRestorePointDate=S,
    jobUid=S,
    malwareState=S,
    immutable=B,
)

REPOSITORY_INFO = struct(
    parentRepositoryUid=S,
    perVMBackupFiles=B,
    capacity=INT,
    freeSpace=INT,
    usedSpace=INT,
    backupSize=INT,
    isCapacityAvailable=B,
    isFreeSpaceAvailable=B,
    isUsedSpaceAvailable=B,
    isImmutabilityEnabled=B,
    immutabilityInterval=INT,
    type=S,
    cloudRepositoryUid=S,
    path=S,
    hostName=S,
    hostUid=S,
    isOutOfDate=B,
    status=S,
    isCloud=B,
)
REPOSITORIES = schema(instanceUid=S, name=S, backupServerUid=S, _embedded=REPOSITORY_INFO)

ACTIVE_ALARMS = schema(
    instanceUid=S,
    alarmTemplateUid=S,
    repeatCount=INT,
    area=S,
    object=struct(
        instanceUid=S,
        type=S,
        organizationUid=S,
        locationUid=S,
        managementAgentUid=S,
        computerName=S,
        objectUid=S,
        objectName=S,
    ),
    lastActivation=struct(instanceUid=S, time=S, status=S, message=S, remark=S),
)
