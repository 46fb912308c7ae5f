"""The offices for paper materials (D16; issue 12), filled in as the administrator would."""

from __future__ import annotations

from portal.extensions import db
from portal.tenants.models import Region
from tests.support.db import in_tenant
from tests.support.http import Browser

OFFICE = {
    "name": "远安县卫生健康局 政务服务窗口",
    "address": "远安县鸣凤镇政务中心 3 楼",
    "phone": "0717-3810001",
    "hours": "周一至周五 8:30–12:00",
}


def region_id(app, code: str, tenant: str = "hubei") -> int:
    with in_tenant(app, tenant):
        return db.session.execute(db.select(Region.id).filter_by(code=code)).scalar_one()


def set_office(app, admin: Browser, code: str, **fields):
    """Post the office form of the region ``code`` as ``admin``; returns the response."""
    rid = region_id(app, code)
    admin.page(f"/hubei/admin/offices/{rid}")
    return admin.post(f"/hubei/admin/offices/{rid}", fields)
