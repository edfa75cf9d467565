"""The one claim primitive: due rows taken so that exactly one worker of the cluster gets each.

PostgreSQL: the due rows are picked with `FOR UPDATE SKIP LOCKED`, so concurrent claimers
take disjoint batches without waiting on each other, and a row another claimer changed and
committed meanwhile is re-checked against the condition (and dropped) before it is locked.
SQLite (one node): the same single statement is a write, so SQLite takes its one write lock
before reading anything; claimers run one after another, and each sees what the last one
changed. Either way the claim changes the rows (or deletes them) in the caller's
transaction: the work done in that transaction commits with it, or neither does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, delete, select, update
from sqlmodel import Session


def claim_due(
    session: Session,
    table: Table,
    *,
    key: ColumnElement[Any],
    due: ColumnElement[Any],
    now: datetime,
    limit: int,
    returning: Sequence[ColumnElement[Any]],
    where: Sequence[ColumnElement[bool]] = (),
    values: Mapping[str, Any] | None = None,
) -> list[Row[Any]]:
    """Claim up to `limit` rows of `table` whose `due` time is at or before `now` and that
    match `where`, soonest first: set `values` on them, or delete them when `values` is
    None. Returns the `returning` columns of the claimed rows.

    `values` must make the rows stop matching `where` (e.g. status pending -> sent): that
    is what marks them claimed for everybody else.
    """
    condition = [due <= now, *where]
    pick = select(key).where(*condition).order_by(due).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    chosen = key.in_(pick.scalar_subquery())
    if values is None:
        statement = delete(table).where(chosen, *condition)
    else:
        statement = update(table).where(chosen, *condition).values(**values)
    result = session.execute(statement.returning(*returning).execution_options(synchronize_session=False))
    return list(result)
