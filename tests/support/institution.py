"""The institution end's steps: its queue and roster pages, staff of the county hospital (远安)
and of the tertiary hospital, and synthetic doctors in numbers (``devdata.scale``, the loader
behind ``flask demo load --doctors N``)."""

from __future__ import annotations

import html
import re

from devdata.scale import load_scale
from portal.extensions import db
from portal.workflow.models import (
    Application,
    FilingState,
    ModificationRequest,
    ModificationState,
    SiteFiling,
    State,
)
from tests.support.db import in_tenant
from tests.support.journey import institution_id

QUEUE = "/hubei/institution/approvals"
ROSTER = "/hubei/institution/roster"
COUNTY = "远安"
TERTIARY = "湖北省演示第一医院"
ITEM = re.compile(r'<article class="card" id="(app|mod|filing)-(\d+)"')


def load(app, doctors: int, mix: dict, at: str = COUNTY, seed: int = 7) -> dict:
    """``doctors`` synthetic doctors whose main institution is ``at``, in the scenarios of ``mix``."""
    inst = institution_id(app, "hubei", at)
    with in_tenant(app, "hubei"):
        return load_scale("hubei", doctors, at=inst, mix=mix, seed=seed)


def items(body: str) -> list[str]:
    """The queue's items on a page, in order, as tokens (``a-12``, ``m-3``, ``f-9``)."""
    return [f"{kind[0]}-{n}" for kind, n in ITEM.findall(body)]


def older_link(body: str) -> str | None:
    match = re.search(r'<a href="([^"]+)"[^>]*>Older</a>', body)
    return html.unescape(match.group(1)) if match else None


def waiting(app, at: str = COUNTY) -> dict[str, tuple]:
    """Every item waiting for the institution, read from the database: token -> (time, kind, name)."""
    inst = institution_id(app, "hubei", at)
    out = {}
    with in_tenant(app, "hubei"):
        for a in db.session.execute(
            db.select(Application).filter_by(institution_id=inst, state=State.SUBMITTED)
        ).scalars():
            out[f"a-{a.id}"] = (a.submitted_at, a.kind.value, a.doctor.real_name)
        for m in db.session.execute(
            db.select(ModificationRequest).filter_by(
                institution_id=inst, state=ModificationState.PENDING
            )
        ).scalars():
            out[f"m-{m.id}"] = (m.created_at, "modification", m.doctor.real_name)
        for f in db.session.execute(
            db.select(SiteFiling).filter_by(institution_id=inst, state=FilingState.PENDING)
        ).scalars():
            out[f"f-{f.id}"] = (f.created_at, "filing", f.doctor.real_name)
    return out
