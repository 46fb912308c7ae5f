"""The code systems, identifier system and extensions of the FHIR interface (V3): one place,
documented in docs/verification.md ("The FHIR interface").

China has published no FHIR URI for the practice-certificate number or for the catalogue of
categories and scopes (卫医发〔2001〕169号), so the portal defines its own under ``BASE``, a
name under the reserved ``.example`` domain (RFC 2606) that no one can own: a client may rely
on these URIs as they are, and when the National Health Commission publishes official ones,
they replace these here and in the documentation (with the old ones listed there). The codes
themselves are the catalogue's keys, the same in every province."""

from __future__ import annotations

from portal.registry.records import Category, Level

BASE = "https://physician-registration.example/fhir"

#: Identifier.system of a practice-certificate number (医师执业证书编码)
CERTIFICATE_NO = f"{BASE}/sid/practice-certificate-no"
#: 执业类别: clinical, tcm, dental, public_health
CATEGORY = f"{BASE}/CodeSystem/practice-category"
#: 医师级别: practitioner (执业医师), assistant (执业助理医师)
LEVEL = f"{BASE}/CodeSystem/practitioner-level"
#: 执业范围 (L9): internal, surgery, … (``portal.rules.catalogue.SCOPES``)
SCOPE = f"{BASE}/CodeSystem/practice-scope"
#: the register's state of a registration: registered, lapsed, cancelled
STATUS = f"{BASE}/CodeSystem/registration-status"

#: extensions on Practitioner.qualification
EXT_LEVEL = f"{BASE}/StructureDefinition/practitioner-level"
EXT_SCOPE = f"{BASE}/StructureDefinition/practice-scope"
EXT_STATUS = f"{BASE}/StructureDefinition/registration-status"
EXT_CANCELLED_ON = f"{BASE}/StructureDefinition/cancelled-on"

#: the register's own words, the same whatever the reader's language (they are data)
LEVEL_DISPLAY = {Level.PRACTITIONER: "执业医师", Level.ASSISTANT: "执业助理医师"}
CATEGORY_DISPLAY = {
    Category.CLINICAL: "临床",
    Category.TCM: "中医",
    Category.DENTAL: "口腔",
    Category.PUBLIC_HEALTH: "公共卫生",
}
STATUS_DISPLAY = {"registered": "注册有效", "lapsed": "已过有效期", "cancelled": "已注销"}
