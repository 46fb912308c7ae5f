"""The open FHIR R4 interface (V3) through HTTP: every answer is parsed back with the
``fhir.resources`` models (R4B, R4's resources), searched by certificate number and by name and
institution, read by id; only what the public check shows (V1, L8, SEC5), one tenant's register
only (T3), refusals as OperationOutcomes with a 4xx."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from portal.columns import local_today
from portal.extensions import db, limiter
from portal.public.fhir import codes
from portal.public.models import VerificationCount
from portal.rules.registration import valid_until
from tests.support.db import in_tenant
from tests.support.registrations import LI_NO, add_doctor, add_li, cancel

pytestmark = pytest.mark.usefixtures("beijing_noon")

HB_NO = LI_NO
GD_NO = "134402320000001"
FHIR_JSON = "application/fhir+json"


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def li(demo):
    return add_li(demo, scopes=("internal", "general_practice"))


@pytest.fixture
def chen(demo):
    return add_doctor(
        demo,
        "guangdong",
        real_name="陈志强",
        id_number="440104198709254569",
        phone="13900139001",
        username="chenzhiqiang",
        institution="乳源",
        certificate_no=GD_NO,
    )


def private(d) -> list[str]:
    return [
        d.id_number,
        d.id_number[-6:],
        d.id_number[:3] + "*" * 11 + d.id_number[-4:],
        d.phone,
        d.phone[:3] + "****" + d.phone[-4:],
        d.email,
        d.username,
        "演示街",  # the home address
        "1988-03-12",  # the date of birth
    ]


def fhir(client, url: str, status: int = 200, **kw):
    r = client.get(url, **kw)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == FHIR_JSON and r.mimetype_params.get("charset") == "utf-8"
    return r


def bundle(client, url: str) -> Bundle:
    b = Bundle.model_validate_json(fhir(client, url).get_data(as_text=True))
    assert b.type == "searchset" and b.total == len(b.entry or [])
    return b


def refused(client, url: str, status: int, **kw) -> OperationOutcome:
    o = OperationOutcome.model_validate_json(fhir(client, url, status, **kw).get_data(as_text=True))
    assert o.issue[0].severity == "error" and o.issue[0].diagnostics
    return o


def lookups(app, tenant: str) -> int:
    with in_tenant(app, tenant):
        row = db.session.execute(
            db.select(VerificationCount).filter_by(day=local_today())
        ).scalar_one_or_none()
        return row.lookups if row else 0


def test_capability_statement(demo):
    r = fhir(demo.test_client(), "/hubei/fhir/metadata")
    cs = CapabilityStatement.model_validate_json(r.get_data(as_text=True))
    assert cs.fhirVersion == "4.0.1" and cs.kind == "instance"
    assert cs.publisher == "湖北省卫生健康委员会"
    assert cs.implementation.url == "http://localhost/hubei/fhir"
    resources = {r.type: r for r in cs.rest[0].resource}
    assert set(resources) == {"Practitioner", "PractitionerRole"}
    assert fhir(demo.test_client(), "/hubei/fhir/metadata?mode=full").get_json() == r.get_json()
    assert {p.name for p in resources["Practitioner"].searchParam} == {
        "identifier",
        "name",
        "institution",
    }


@pytest.mark.parametrize("identifier", [HB_NO, f"{codes.CERTIFICATE_NO}|{HB_NO}"])
def test_practitioner_by_certificate_number(demo, li, identifier):
    client = demo.test_client()
    b = bundle(client, f"/hubei/fhir/Practitioner?identifier={identifier}")
    assert b.total == 1
    assert b.entry[0].fullUrl == f"http://localhost/hubei/fhir/Practitioner/{HB_NO}"
    p = b.entry[0].resource
    assert isinstance(p, Practitioner) and p.id == HB_NO and p.active is True
    assert p.name[0].text == "李明华"
    assert p.identifier[0].system == codes.CERTIFICATE_NO and p.identifier[0].value == HB_NO
    q = p.qualification[0]
    assert [(c.system, c.code) for c in q.code.coding] == [(codes.CATEGORY, "clinical")]
    assert q.issuer.display == "湖北省卫生健康委员会"
    assert q.period.end == valid_until(local_today() - timedelta(days=30), 2)
    ext = {}
    for e in q.extension:
        ext.setdefault(e.url, []).append(e)
    assert ext[codes.EXT_LEVEL][0].valueCoding.code == "practitioner"
    assert [e.valueCodeableConcept.coding[0].code for e in ext[codes.EXT_SCOPE]] == [
        "internal",
        "general_practice",
    ]
    assert [e.valueCodeableConcept.text for e in ext[codes.EXT_SCOPE]] == [
        "内科专业",
        "全科医学专业",
    ]
    assert ext[codes.EXT_STATUS][0].valueCoding.code == "registered"
    assert codes.EXT_CANCELLED_ON not in ext
    assert lookups(demo, "hubei") == 1


def test_nothing_private_in_any_answer(demo, li):
    client = demo.test_client()
    for url in (
        f"/hubei/fhir/Practitioner?identifier={HB_NO}",
        "/hubei/fhir/Practitioner?name=李明华&institution=远安",
        f"/hubei/fhir/Practitioner/{HB_NO}",
        f"/hubei/fhir/PractitionerRole?practitioner=Practitioner/{HB_NO}",
        f"/hubei/fhir/PractitionerRole/{HB_NO}",
    ):
        body = fhir(client, url).get_data(as_text=True)
        assert "李明华" in body, url
        assert not [p for p in private(li) if p in body], url
        data = json.loads(body)
        text = json.dumps(data)
        for element in ('"telecom"', '"address"', '"birthDate"', '"gender"', '"photo"'):
            assert element not in text, (url, element)


def test_search_by_name_and_institution(demo, li):
    client = demo.test_client()
    found = bundle(client, "/hubei/fhir/Practitioner?name=李明华&institution=远安县人民医院")
    assert [e.resource.id for e in found.entry] == [HB_NO]
    # the full name is asked, and the institution's name from its start
    assert bundle(client, "/hubei/fhir/Practitioner?name=李明&institution=远安").total == 0
    assert bundle(client, "/hubei/fhir/Practitioner?name=李明华&institution=人民医院").total == 0
    assert bundle(client, "/hubei/fhir/Practitioner?name=李明华&institution=湖北省演示").total == 0
    # by number and name: both must hold
    assert bundle(client, f"/hubei/fhir/Practitioner?identifier={HB_NO}&name=王芳").total == 0


@pytest.mark.parametrize(
    "query",
    [
        "name=李明华",  # a name alone would list the register by surname
        "institution=远安",
        "",
        "family=李",  # an unknown parameter
        "name:exact=李明华&institution=远安",  # a modifier
        f"identifier={HB_NO}&identifier={HB_NO}",
        "identifier=",
        "identifier=11420525000000A",
        "identifier=1,2",
    ],
)
def test_bad_searches_are_400(demo, li, query):
    refused(demo.test_client(), f"/hubei/fhir/Practitioner?{query}", 400)


def test_other_identifier_systems_match_nothing(demo, li):
    client = demo.test_client()
    assert bundle(client, f"/hubei/fhir/Practitioner?identifier=urn:other|{HB_NO}").total == 0
    assert bundle(client, f"/hubei/fhir/Practitioner?identifier=|{HB_NO}").total == 0


def test_read_and_roles(demo, li):
    client = demo.test_client()
    p = Practitioner.model_validate_json(
        fhir(client, f"/hubei/fhir/Practitioner/{HB_NO}").get_data(as_text=True)
    )
    assert p.id == HB_NO and p.name[0].text == "李明华"
    role = PractitionerRole.model_validate_json(
        fhir(client, f"/hubei/fhir/PractitionerRole/{HB_NO}").get_data(as_text=True)
    )
    assert role.practitioner.reference == f"Practitioner/{HB_NO}"
    assert role.organization.display == "远安县人民医院（演示）"
    assert [s.coding[0].code for s in role.specialty] == ["internal", "general_practice"]
    assert role.active is True
    for query in (
        f"practitioner={HB_NO}",
        f"practitioner=Practitioner/{HB_NO}",
        f"identifier={HB_NO}",
    ):
        found = bundle(client, f"/hubei/fhir/PractitionerRole?{query}")
        assert [e.resource.id for e in found.entry] == [HB_NO], query
    assert bundle(client, "/hubei/fhir/PractitionerRole?practitioner=114205250000002").total == 0
    refused(client, "/hubei/fhir/PractitionerRole", 400)
    refused(client, "/hubei/fhir/Practitioner/114205250000002", 404)
    refused(client, "/hubei/fhir/Practitioner/not-a-number", 404)
    refused(client, "/hubei/fhir/PractitionerRole/114205250000002", 404)
    refused(client, f"/hubei/fhir/Practitioner/{HB_NO}?foo=1", 400)


def test_cancelled_with_its_day(demo, li):
    cancel(demo, "hubei", li, datetime(2026, 3, 2, 20, 0))  # 04:00 on 3 March in Beijing
    p = bundle(demo.test_client(), f"/hubei/fhir/Practitioner?identifier={HB_NO}").entry[0].resource
    ext = {e.url: e for e in p.qualification[0].extension}
    assert p.active is False
    assert ext[codes.EXT_STATUS].valueCoding.code == "cancelled"
    assert str(ext[codes.EXT_CANCELLED_ON].valueDate) == "2026-03-03"
    assert str(p.qualification[0].period.end) == "2026-03-03"


def test_lapsed(demo):
    add_doctor(
        demo,
        "hubei",
        real_name="李明华",
        id_number="420525198803121236",
        phone="13800138001",
        username="liminghua",
        institution="远安",
        certificate_no=HB_NO,
        registered_on=local_today() - timedelta(days=3000),
    )
    p = bundle(demo.test_client(), f"/hubei/fhir/Practitioner?identifier={HB_NO}").entry[0].resource
    assert p.active is False
    ext = {e.url: e for e in p.qualification[0].extension}
    assert ext[codes.EXT_STATUS].valueCoding.code == "lapsed"


def test_tenants_see_only_their_register(demo, li, chen):
    client = demo.test_client()
    assert bundle(client, f"/guangdong/fhir/Practitioner?identifier={HB_NO}").total == 0
    assert bundle(client, "/guangdong/fhir/Practitioner?name=李明华&institution=远安").total == 0
    refused(client, f"/guangdong/fhir/Practitioner/{HB_NO}", 404)
    refused(client, f"/guangdong/fhir/PractitionerRole/{HB_NO}", 404)
    assert bundle(client, f"/hubei/fhir/Practitioner?identifier={GD_NO}").total == 0
    gd = bundle(client, f"/guangdong/fhir/Practitioner?identifier={GD_NO}")
    assert gd.entry[0].resource.qualification[0].issuer.display == "广东省卫生健康委员会"
    body = fhir(client, f"/guangdong/fhir/Practitioner?identifier={GD_NO}").get_data(as_text=True)
    assert "李明华" not in body and "远安" not in body


def test_errors_are_operation_outcomes(demo):
    client = demo.test_client()
    refused(client, "/hubei/fhir/Patient", 404)
    refused(client, "/hubei/fhir/Practitioner/1/_history", 404)
    r = client.post("/hubei/fhir/Practitioner", data={"identifier": HB_NO})
    assert r.status_code == 405 and r.mimetype == FHIR_JSON
    OperationOutcome.model_validate_json(r.get_data(as_text=True))
    refused(client, "/hubei/fhir/Practitioner?identifier=1&_format=xml", 406)
    for fmt in ("json", "application/fhir%2Bjson", "application/fhir+json"):
        assert bundle(client, f"/hubei/fhir/Practitioner?identifier=1&_format={fmt}").total == 0


def test_anonymous_use_keeps_the_public_check_limit(demo, li, monkeypatch):
    monkeypatch.setitem(demo.config, "VERIFY_RATE_LIMIT", "2 per 10 minutes")
    client = demo.test_client()
    bundle(client, f"/hubei/fhir/Practitioner?identifier={HB_NO}")
    fhir(client, f"/hubei/fhir/Practitioner/{HB_NO}")
    r = client.get(f"/hubei/fhir/PractitionerRole/{HB_NO}")
    assert r.status_code == 429 and r.mimetype == FHIR_JSON and int(r.headers["Retry-After"]) > 0
    assert (
        OperationOutcome.model_validate_json(r.get_data(as_text=True)).issue[0].code == "throttled"
    )
    # another address has its own count; the metadata is not counted
    other = demo.test_client()
    fhir(other, f"/hubei/fhir/Practitioner/{HB_NO}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    fhir(client, "/hubei/fhir/metadata")
