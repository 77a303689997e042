"""Arrow schemas of the SentinelOne records, named as the API spells them.

Fields absent from an answer load as nulls. Free-form objects (licence blocks, activity data,
tags, indicators) are kept as JSON text. Timestamps stay ISO strings; staging casts them.
"""

from __future__ import annotations

import pyarrow as pa

S, INT, B = pa.string(), pa.int64(), pa.bool_()
TEXTS = pa.list_(S)


def struct(**fields: pa.DataType) -> pa.StructType:
    return pa.struct([pa.field(name, kind) for name, kind in fields.items()])


def schema(**fields: pa.DataType) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields.items()])


OWNER = {
    "state": S,
    "usageType": S,
    "unlimitedExpiration": B,
    "expiration": S,
    "externalId": S,
    "isDefault": B,
    "createdAt": S,
    "updatedAt": S,
    "creator": S,
    "creatorId": S,
}
# Free-form members, stored as JSON text.
JSON_FIELDS = {
    "accounts": ("licenses", "skus"),
    "sites": ("licenses",),
    "agents": ("tags",),
    "threats": ("indicators", "containerInfo", "kubernetesInfo"),
    "activities": ("data",),
}

ACCOUNTS = schema(
    id=S,
    name=S,
    accountType=S,
    billingMode=S,
    activeAgents=INT,
    numberOfSites=INT,
    totalLicenses=INT,
    **OWNER,
    licenses=S,
    skus=S,
    coreSites=INT,
    totalCore=INT,
)

SITES = schema(
    id=S,
    name=S,
    accountId=S,
    accountName=S,
    siteType=S,
    activeLicenses=INT,
    totalLicenses=INT,
    unlimitedLicenses=B,
    **OWNER,
    description=S,
    healthStatus=B,
    licenses=S,
    sku=S,
    suite=S,
)

NETWORK_INTERFACE = struct(id=S, name=S, inet=TEXTS, inet6=TEXTS, physical=S)

AGENTS = schema(
    id=S,
    uuid=S,
    computerName=S,
    accountId=S,
    accountName=S,
    siteId=S,
    siteName=S,
    groupId=S,
    groupName=S,
    osType=S,
    osName=S,
    osRevision=S,
    osArch=S,
    machineType=S,
    agentVersion=S,
    isActive=B,
    isUpToDate=B,
    infected=B,
    activeThreats=INT,
    isDecommissioned=B,
    isUninstalled=B,
    networkStatus=S,
    mitigationMode=S,
    mitigationModeSuspicious=S,
    operationalState=S,
    scanStatus=S,
    lastActiveDate=S,
    registeredAt=S,
    createdAt=S,
    updatedAt=S,
    lastLoggedInUserName=S,
    domain=S,
    externalIp=S,
    lastIpToMgmt=S,
    networkInterfaces=pa.list_(NETWORK_INTERFACE),
    serialNumber=S,
    modelName=S,
    totalMemory=INT,
    cpuCount=INT,
    coreCount=INT,
    userActionsNeeded=TEXTS,
    firewallEnabled=B,
    encryptedApplications=B,
    networkQuarantineEnabled=B,
    tags=S,
)

THREAT_INFO = struct(
    threatId=S,
    threatName=S,
    classification=S,
    classificationSource=S,
    confidenceLevel=S,
    analystVerdict=S,
    incidentStatus=S,
    mitigationStatus=S,
    initiatedBy=S,
    detectionType=S,
    sha1=S,
    sha256=S,
    md5=S,
    filePath=S,
    fileSize=INT,
    storyline=S,
    createdAt=S,
    updatedAt=S,
    identifiedAt=S,
    mitigatedPreemptively=B,
    rebootRequired=B,
    pendingActions=B,
    failedActions=B,
    automaticallyResolved=B,
    externalTicketId=S,
)
AGENT_REALTIME_INFO = struct(
    agentId=S,
    agentComputerName=S,
    agentUuid=S,
    accountId=S,
    accountName=S,
    siteId=S,
    siteName=S,
    groupId=S,
    agentOsType=S,
    agentNetworkStatus=S,
    agentIsActive=B,
    agentVersion=S,
    activeThreats=INT,
)
AGENT_DETECTION_INFO = struct(
    accountId=S,
    siteId=S,
    groupId=S,
    agentIpV4=S,
    externalIp=S,
    agentVersion=S,
    agentOsName=S,
    agentLastLoggedInUserName=S,
    agentMitigationMode=S,
)
MITIGATION = struct(
    action=S,
    status=S,
    actionsCounters=struct(success=INT, failed=INT, pendingReboot=INT, notFound=INT, total=INT),
    mitigationStartedAt=S,
    mitigationEndedAt=S,
    lastUpdate=S,
    latestReport=S,
    reportId=S,
    groupNotFound=B,
    agentSupportsReport=B,
)

THREATS = schema(
    id=S,
    threatInfo=THREAT_INFO,
    agentRealtimeInfo=AGENT_REALTIME_INFO,
    agentDetectionInfo=AGENT_DETECTION_INFO,
    mitigationStatus=pa.list_(MITIGATION),
    indicators=S,
    whiteningOptions=TEXTS,
    containerInfo=S,
    kubernetesInfo=S,
)

ACTIVITIES = schema(
    id=S,
    activityType=INT,
    activityUuid=S,
    primaryDescription=S,
    secondaryDescription=S,
    description=S,
    comments=S,
    accountId=S,
    accountName=S,
    siteId=S,
    siteName=S,
    groupId=S,
    groupName=S,
    agentId=S,
    agentUpdatedVersion=S,
    threatId=S,
    userId=S,
    osFamily=S,
    hash=S,
    data=S,
    createdAt=S,
    updatedAt=S,
)

LIVE_AGENT_IDS = schema(id=S)
