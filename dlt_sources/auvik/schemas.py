"""Arrow schemas of the Auvik JSON:API records: `type`, `id`, `attributes`, `relationships`.

Members are spelled as the API spells them. Fields absent from an answer load as nulls.
Timestamps stay ISO strings; staging casts them.
"""

from __future__ import annotations

import pyarrow as pa

S, B = pa.string(), pa.bool_()
TEXTS = pa.list_(S)


def struct(**fields: pa.DataType) -> pa.StructType:
    return pa.struct([pa.field(name, kind) for name, kind in fields.items()])


def schema(**fields: pa.DataType) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields.items()])


def link_to(**extra: pa.DataType) -> pa.StructType:
    """A to-one relationship: {"data": {"type", "id", ...}}."""
    return struct(data=struct(type=S, id=S, **extra))


def links_to(**extra: pa.DataType) -> pa.StructType:
    """A to-many relationship: {"data": [{"type", "id", ...}]}."""
    return struct(data=pa.list_(struct(type=S, id=S, **extra)))


TENANT = link_to(attributes=struct(domainPrefix=S))
NETWORKS = links_to(attributes=struct(networkName=S))

TENANTS = schema(
    type=S,
    id=S,
    attributes=struct(
        domainPrefix=S,
        displayName=S,
        tenantType=S,
        enabled=B,
        subscribed=B,
        running=B,
        subscriptionOwner=S,
        trialStartDate=S,
        trialEndDate=S,
        address=struct(address1=S, address2=S, city=S, state=S, postalCode=S, country=S),
    ),
    relationships=struct(parent=link_to(), authorizations=links_to()),
)

DEVICES = schema(
    type=S,
    id=S,
    attributes=struct(
        deviceName=S,
        deviceType=S,
        ipAddresses=TEXTS,
        makeModel=S,
        vendorName=S,
        softwareVersion=S,
        firmwareVersion=S,
        serialNumber=S,
        description=S,
        onlineStatus=S,
        lastModified=S,
        lastSeenTime=S,
    ),
    relationships=struct(tenant=TENANT, networks=NETWORKS, deviceDetail=link_to()),
    links=struct(self=S, dashboard=S),
)

INTERFACES = schema(
    type=S,
    id=S,
    attributes=struct(
        interfaceName=S,
        interfaceType=S,
        macAddress=S,
        negotiatedSpeed=S,
        duplex=S,
        customConnections=B,
        ipAddresses=TEXTS,
        operationalStatus=S,
        adminStatus=B,
        lastModified=S,
    ),
    relationships=struct(
        tenant=TENANT, parentDevice=link_to(), connectedTo=links_to(), networks=NETWORKS
    ),
    links=struct(self=S),
)

ALERTS = schema(
    type=S,
    id=S,
    attributes=struct(
        name=S,
        severity=S,
        status=S,
        alertDefinitionId=S,
        specificationId=S,
        detectedOn=S,
        description=S,
        dismissed=B,
        dispatched=B,
        externalTicket=pa.list_(struct(id=S, system=S)),
    ),
    relationships=struct(
        tenant=TENANT, entity=link_to(), relatedAlert=link_to(attributes=struct(name=S))
    ),
    links=struct(self=S),
)

LIVE_DEVICE_IDS = schema(id=S)
