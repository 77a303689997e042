"""How well identity resolution did: pairwise precision and recall of "these two records are
the same device" against the simulator's ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa


@dataclass(frozen=True)
class IdentityScore:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    def __str__(self) -> str:
        return (
            f"identity resolution over {self.records} records: precision "
            f"{self.precision:.4f}, recall {self.recall:.4f} ({self.correct_pairs} of "
            f"{self.predicted_pairs} predicted pairs right, {self.true_pairs} true pairs)"
        )


def score(resolved: pa.Table, truth: pa.Table) -> IdentityScore:
    """`resolved` has vendor, record_id, device_id; `truth` has vendor, record_id, device_key.

    Only records present in both count: a vendor that was not loaded is not a miss.
    """
    con = duckdb.connect()
    con.register("resolved", resolved)
    con.register("truth", truth)
    row = con.sql("""
        with both_sides as (
            select r.vendor || ':' || r.record_id as record_key, r.device_id, t.device_key
            from resolved as r
            inner join truth as t
                on r.vendor = t.vendor and r.record_id = t.record_id
        ),
        pairs as (
            select a.device_id = b.device_id as predicted, a.device_key = b.device_key as real
            from both_sides as a
            inner join both_sides as b
                on a.record_key < b.record_key
                and (a.device_id = b.device_id or a.device_key = b.device_key)
        )
        select
            (select count(*) from both_sides),
            count(*) filter (where real),
            count(*) filter (where predicted),
            count(*) filter (where real and predicted)
        from pairs
    """).fetchone()
    return IdentityScore(*row)
