"""The one place where tenant isolation (T3) is enforced in the ORM.

Every SELECT, UPDATE and DELETE that touches a ``TenantScoped`` entity is limited to the
current tenant by a single ``do_orm_execute`` listener; every new row is stamped with the
current tenant by a single ``before_flush`` listener. No tenant set means no rows. The only
ways out are explicit: the execution option ``all_tenants=True`` on one statement (the
delivery worker's claim, the metrics, operator commands) and the ``all_tenants()`` block
(bulk loading, tests reading every row). On PostgreSQL the same tenant, or the same explicit
crossing, is carried into the database for row-level security (``portal.tenants.rls``, SEC9).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from portal.tenants.models import TenantScoped

_current: ContextVar[int | None] = ContextVar("tenant_id", default=None)
#: inside ``all_tenants()``: every statement may read and write every tenant's rows
_crossing: ContextVar[bool] = ContextVar("all_tenants", default=False)


def current_tenant_id() -> int | None:
    return _current.get()


def set_tenant(tenant_id: int | None):
    """Set the tenant for this context; returns a token for ``reset_tenant``."""
    return _current.set(tenant_id)


def reset_tenant(token) -> None:
    _current.reset(token)


@contextmanager
def tenant_context(tenant_id: int | None) -> Iterator[None]:
    token = _current.set(tenant_id)
    try:
        yield
    finally:
        _current.reset(token)


def crossing_tenants() -> bool:
    """Whether the code runs inside an ``all_tenants()`` block."""
    return _crossing.get()


@contextmanager
def all_tenants() -> Iterator[None]:
    """Every statement of the block reads and writes across tenants, in the ORM filter and
    in PostgreSQL's row-level security alike. For operator commands and bulk loads only; a
    request never uses it. New rows must still name their tenant."""
    token = _crossing.set(True)
    try:
        yield
    finally:
        _crossing.reset(token)


class TenantMismatch(RuntimeError):
    pass


@event.listens_for(Session, "do_orm_execute")
def _limit_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_tenants") or _crossing.get():
        return
    tid = _current.get()
    if tid is None:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped, lambda cls: cls.tenant_id.is_(None), include_aliases=True
            )
        )
    else:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped, lambda cls: cls.tenant_id == tid, include_aliases=True
            )
        )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context, instances) -> None:
    tid = _current.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tid is None:
                raise TenantMismatch(f"no tenant set while adding {type(obj).__name__}")
            obj.tenant_id = tid
        elif tid is not None and obj.tenant_id != tid:
            raise TenantMismatch(
                f"{type(obj).__name__} of tenant {obj.tenant_id} added in tenant {tid}"
            )
    for obj in session.dirty:
        if isinstance(obj, TenantScoped) and tid is not None and obj.tenant_id != tid:
            raise TenantMismatch(
                f"{type(obj).__name__} of tenant {obj.tenant_id} changed in tenant {tid}"
            )
