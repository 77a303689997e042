"""Arrow schemas of the Cove records as landed.

Partners keep the API's member names; account statistics are flattened from the `Settings`
list of one-key objects into one string column per requested code, named in settings.py.
"""

from __future__ import annotations

import pyarrow as pa

from dlt_sources.cove.settings import ACCOUNT_COLUMNS

S, INT = pa.string(), pa.int64()

ADDRESS = pa.struct(
    [pa.field(n, S) for n in ("Address", "City", "Country", "District", "State", "ZipCode")]
)
PARTNERS = pa.schema(
    [
        pa.field("Id", INT),
        pa.field("Name", S),
        pa.field("Level", S),
        pa.field("ParentId", INT),
        pa.field("LocationId", INT),
        pa.field("ServiceType", S),
        pa.field("State", S),
        pa.field("ExternalCode", S),
        pa.field("CreationTime", INT),
        pa.field("Guid", S),
        pa.field(
            "Company",
            pa.struct(
                [
                    pa.field("PostAddress", ADDRESS),
                    pa.field("LegalCompanyName", S),
                    pa.field("PhoneNumber", S),
                ]
            ),
        ),
        pa.field("Flags", pa.list_(S)),
        pa.field("ChildServiceTypes", pa.list_(S)),
        pa.field("ExternalPartnerProperties", S),
    ]
)

ACCOUNT_STATISTICS = pa.schema(
    [pa.field("account_id", INT), pa.field("partner_id", INT), pa.field("flags", pa.list_(S))]
    + [pa.field(name, S) for name in ACCOUNT_COLUMNS.values()]
)
