"""`flask tenants create` builds a whole tenant (T1, T4, T5): its cities and counties with
their GB/T 2260 codes from the pinned national dataset or from the province's CSV, its
contact details and office hours, version 1 of its rules. A bad CSV names its lines and
writes nothing."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.tenants.models import Region, RuleVersion, Tenant
from tests.support.db import in_tenant
from tests.support.going_live import cli


def regions_of(app, slug: str) -> dict[str, tuple]:
    with in_tenant(app, slug):
        rows = db.session.execute(db.select(Region)).scalars().all()
        out = {r.code: (r.name, r.level, r.parent.code if r.parent else None) for r in rows}
        return out


def tenant_count(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Tenant.id))).scalar()


def test_hubei_from_the_dataset(app):
    out = cli(
        app,
        "tenants",
        "create",
        "hubei",
        "湖北省",
        "--division",
        "420000",
        "--contact-name",
        "医政处",
        "--contact-phone",
        "027-87000000",
        "--contact-address",
        "武汉市武昌区",
        "--office-hours",
        "周一至周五 8:30-17:30",
    ).output
    assert "13 cities, 103 counties" in out
    regions = regions_of(app, "hubei")
    # 12 prefecture-level cities and the 恩施 autonomous prefecture
    assert sum(level == "city" for _n, level, _p in regions.values()) == 13
    assert regions["420100"] == ("武汉市", "city", None)
    assert regions["420102"] == ("江岸区", "county", "420100")
    assert regions["422801"] == ("恩施市", "county", "422800")
    # the directly administered county-level units sit directly under the province
    assert regions["429004"] == ("仙桃市", "county", None)
    assert regions["429021"] == ("神农架林区", "county", None)
    # no placeholder became a city or a county
    assert not any(name in ("市辖区", "省直辖县级行政区划") for name, _l, _p in regions.values())
    assert "429000" not in regions
    with in_tenant(app, "hubei") as tenant:
        assert (tenant.contact_name, tenant.office_hours) == ("医政处", "周一至周五 8:30-17:30")
        versions = db.session.execute(db.select(RuleVersion)).scalars().all()
        assert [(v.number, v.overrides) for v in versions] == [(1, {})]


def test_a_city_without_counties_is_a_county_under_the_province(app):
    cli(app, "tenants", "create", "guangdong", "广东省", "--division", "440000")
    regions = regions_of(app, "guangdong")
    assert regions["441900"] == ("东莞市", "county", None)
    assert regions["442000"] == ("中山市", "county", None)
    assert regions["440100"] == ("广州市", "city", None)
    assert regions["440106"] == ("天河区", "county", "440100")


def test_a_municipality_has_counties_under_the_province(app):
    cli(app, "tenants", "create", "beijing", "北京市", "--division", "110000")
    regions = regions_of(app, "beijing")
    assert regions["110101"] == ("东城区", "county", None)
    assert not any(level == "city" for _n, level, _p in regions.values())


@pytest.mark.parametrize("code", ["420100", "42", "990000", "abc"])
def test_a_code_that_is_no_province_is_refused(app, code):
    result = cli(app, "tenants", "create", "hubei", "湖北省", "--division", code, ok=False)
    assert result.exit_code != 0 and "nothing was written" in result.output
    assert tenant_count(app) == 0


def test_from_the_provinces_csv_and_back(app, tmp_path):
    exported = cli(app, "tenants", "regions", "420000").output
    assert exported.splitlines()[0] == "code,name,level,parent_code"
    assert "429004,仙桃市,county," in exported.splitlines()
    # the province corrects the list (a city renamed) and gives it back
    corrected = exported.replace("420500,宜昌市,city,", "420500,宜昌市（测试）,city,")
    path = tmp_path / "regions.csv"
    path.write_bytes(("\ufeff" + corrected).encode("utf-8"))
    cli(app, "tenants", "create", "hubei", "湖北省", "--regions", str(path), "--division", "420000")
    regions = regions_of(app, "hubei")
    assert regions["420500"] == ("宜昌市（测试）", "city", None)
    assert regions["420525"] == ("远安县", "county", "420500")
    assert len(regions) == 116


BAD = (
    "code,name,level,parent_code\n"
    "420500,宜昌市,city,\n"
    "420525,远安县,county,420500\n"
    "42052X,坏码,county,420500\n"  # line 4
    "420526,兴山县,town,420500\n"  # line 5
    "420527,秭归县,county,420900\n"  # line 6: no such city in the file
    "420525,远安县,county,420500\n"  # line 7: twice
    "420101,市辖区,county,420500\n"  # line 8: a placeholder
    "440101,广州某区,county,\n"  # line 9: another province
)


def test_a_bad_csv_names_each_line_and_writes_nothing(app, tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(BAD, encoding="utf-8")
    result = cli(
        app,
        "tenants",
        "create",
        "hubei",
        "湖北省",
        "--regions",
        str(path),
        "--division",
        "420000",
        ok=False,
    )
    assert result.exit_code != 0
    for line in ("line 4:", "line 5:", "line 6:", "line 7:", "line 8:", "line 9:"):
        assert line in result.output, (line, result.output)
    assert "line 2:" not in result.output and "line 3:" not in result.output
    assert "nothing was written" in result.output
    assert tenant_count(app) == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"code,name\n420500,x\n", "line 1: the header"),
        (b"code,name,level,parent_code\n", "lists no city or county"),
        ("code,name,level,parent_code\n420500,宜昌市,city,\n".encode("gb18030"), "not UTF-8"),
    ],
)
def test_an_unusable_csv_is_refused(app, tmp_path, content, problem):
    path = tmp_path / "regions.csv"
    path.write_bytes(content)
    result = cli(app, "tenants", "create", "hubei", "湖北省", "--regions", str(path), ok=False)
    assert result.exit_code != 0 and problem in result.output, result.output
    assert tenant_count(app) == 0


def test_too_long_contact_details_are_refused(app):
    result = cli(app, "tenants", "create", "hubei", "湖北省", "--office-hours", "x" * 201, ok=False)
    assert result.exit_code != 0 and "--office-hours" in result.output
    assert tenant_count(app) == 0
