"""Arrow schemas of the ConnectWise records, named as the API spells them.

Fields absent from an answer load as nulls, so these lists may name more than one version of
the API returns. Reference objects keep `id` and `name` plus their own extras; their `_info`
links are not loaded. Timestamps stay ISO strings here; staging casts them.
"""

from __future__ import annotations

import pyarrow as pa

S, INT, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()


def struct(**fields: pa.DataType) -> pa.StructType:
    return pa.struct([pa.field(name, kind) for name, kind in fields.items()])


def ref(**extra: pa.DataType) -> pa.StructType:
    return struct(id=INT, name=S, **extra)


INFO = struct(lastUpdated=S, updatedBy=S, dateEntered=S, enteredBy=S)
COMPANY_REF = ref(identifier=S)
MEMBER_REF = ref(identifier=S)
TAGS = pa.list_(S)
REFS = pa.list_(ref())


def schema(**fields: pa.DataType) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields.items()])


COMPANIES = schema(
    id=INT,
    identifier=S,
    name=S,
    status=ref(),
    types=REFS,
    addressLine1=S,
    addressLine2=S,
    city=S,
    state=S,
    zip=S,
    country=ref(),
    phoneNumber=S,
    faxNumber=S,
    website=S,
    territory=ref(),
    market=ref(),
    parentCompany=COMPANY_REF,
    defaultContact=ref(),
    deletedFlag=B,
    dateDeleted=S,
    deletedBy=S,
    leadFlag=B,
    isVendorFlag=B,
    numberOfEmployees=INT,
    integratorTags=TAGS,
    customFields=S,
    _info=INFO,
)

CONTACTS = schema(
    id=INT,
    firstName=S,
    lastName=S,
    company=COMPANY_REF,
    site=ref(),
    title=S,
    inactiveFlag=B,
    defaultFlag=B,
    defaultBillingFlag=B,
    defaultPhoneType=S,
    defaultPhoneNbr=S,
    relationship=ref(),
    department=ref(),
    types=REFS,
    communicationItems=pa.list_(
        struct(
            id=INT, type=ref(), value=S, extension=S, defaultFlag=B, domain=S, communicationType=S
        )
    ),
    integratorTags=TAGS,
    customFields=S,
    _info=INFO,
)

CONFIGURATIONS = schema(
    id=INT,
    name=S,
    type=ref(),
    status=ref(),
    company=COMPANY_REF,
    contact=ref(),
    site=ref(),
    deviceIdentifier=S,
    serialNumber=S,
    modelNumber=S,
    tagNumber=S,
    purchaseDate=S,
    installationDate=S,
    warrantyExpirationDate=S,
    macAddress=S,
    ipAddress=S,
    osType=S,
    osInfo=S,
    lastLoginName=S,
    activeFlag=B,
    manufacturer=ref(),
    vendor=COMPANY_REF,
    parentConfigurationId=INT,
    lastBackupDate=S,
    backupFailed=INT,
    managementLink=S,
    remoteLink=S,
    sla=ref(),
    questions=S,
    customFields=S,
    _info=INFO,
)

AGREEMENTS = schema(
    id=INT,
    name=S,
    type=ref(),
    company=COMPANY_REF,
    contact=ref(),
    site=ref(),
    parentAgreement=ref(),
    startDate=S,
    endDate=S,
    noEndingDateFlag=B,
    cancelledFlag=B,
    dateCancelled=S,
    agreementStatus=S,
    sla=ref(),
    applicationUnits=S,
    applicationLimit=F,
    applicationCycle=S,
    applicationUnlimitedFlag=B,
    billingCycle=ref(),
    billAmount=F,
    billTime=S,
    billExpenses=S,
    billProducts=S,
    coverAgreementTime=B,
    workRole=ref(),
    workType=ref(),
    customFields=S,
    _info=INFO,
)

TICKETS = schema(
    id=INT,
    summary=S,
    recordType=S,
    board=ref(),
    status=ref(sort=INT),
    priority=ref(sort=INT, level=S),
    company=COMPANY_REF,
    site=ref(),
    contact=ref(),
    type=ref(),
    subType=ref(),
    item=ref(),
    team=ref(),
    owner=MEMBER_REF,
    source=ref(),
    severity=S,
    impact=S,
    agreement=ref(type=S, chargeFirmFlag=B),
    sla=ref(),
    slaStatus=S,
    requiredDate=S,
    closedFlag=B,
    closedDate=S,
    closedBy=S,
    dateResponded=S,
    dateResplan=S,
    dateResolved=S,
    respondMinutes=INT,
    resPlanMinutes=INT,
    resolveMinutes=INT,
    isInSla=B,
    actualHours=F,
    budgetHours=F,
    parentTicketId=INT,
    mergedParentTicket=struct(id=INT),
    customerUpdatedFlag=B,
    initialDescription=S,
    integratorTags=TAGS,
    customFields=S,
    _info=INFO,
)

LIVE_TICKET_IDS = schema(id=INT)

BOARDS = schema(
    id=INT,
    name=S,
    location=ref(),
    department=ref(),
    inactiveFlag=B,
    projectFlag=B,
    autoCloseStatus=ref(),
    dispatchMember=MEMBER_REF,
    serviceManagerMember=MEMBER_REF,
    dutyManagerMember=MEMBER_REF,
    timeEntryLockedFlag=B,
    percentageCalculation=S,
    _info=INFO,
)

PRIORITIES = schema(
    id=INT,
    name=S,
    color=S,
    sortOrder=INT,
    defaultFlag=B,
    imageLink=S,
    urgencySortOrder=S,
    level=S,
    _info=INFO,
)

SLA_MATRIX = [
    f"{impact}Impact{urgency}Urgency"
    for impact in ("hi", "med", "low")
    for urgency in ("Hi", "Med", "Low")
]
SLAS = schema(
    id=INT,
    name=S,
    basedOn=S,
    customCalendar=ref(),
    defaultFlag=B,
    applicationOrder=INT,
    **{cell: ref() for cell in SLA_MATRIX},
    respondHours=F,
    respondPercent=INT,
    planWithin=F,
    planWithinPercent=INT,
    resolutionHours=F,
    resolutionPercent=INT,
    _info=INFO,
)

SLA_PRIORITIES = schema(
    id=INT,
    sla=ref(),
    priority=ref(),
    respondHours=F,
    planWithin=F,
    resolutionHours=F,
)
