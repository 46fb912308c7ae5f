"""D16 / R6: the paper materials list (portal.rules.materials): the tenant's list, with the
overrides of the institution's city, then its county (FAQ step 4 (6)). No app, no database."""

from __future__ import annotations

import copy

import pytest

from config import national_rules
from portal.rules.materials import for_application, materials_for

DEFAULTS = national_rules()
NATIONAL = [
    "approval_form_x2",
    "id_card_original_and_copy",
    "qualification_certificate_original_and_copy",
    "photos_2inch_x3",
    "contract_original_and_copy",
    "institution_licence_copy",
    "local_requirements",
]
#: the national list before the qualification certificate joined it: a province that replaced the
#: list then has it stored in its rule versions (A6)
BEFORE_D16_CERTIFICATE = [m for m in NATIONAL if m != "qualification_certificate_original_and_copy"]
YICHANG, YUANAN, WUHAN, WUCHANG = "420500", "420525", "420100", "420106"


def rules(**materials) -> dict:
    """The national defaults with a province's ``[materials]`` keys on top (as merged by
    ``portal.tenants.rules_for``)."""
    out = copy.deepcopy(DEFAULTS)
    out["materials"].update(materials)
    return out


def test_D16_step4_national_default_list_in_order():
    """FAQ step 4 (1)–(6): the approval form ×2, ID card, three photos, contract, the
    institution's licence, anything else the city or county requires; and the paper
    qualification certificate (FAQ introduction: "paper certificate is required")."""
    assert materials_for(DEFAULTS, YICHANG, YUANAN) == NATIONAL
    assert materials_for(DEFAULTS, None, None) == NATIONAL


def test_D16_R6_national_settings_have_empty_overrides():
    assert DEFAULTS["materials"]["cities"] == {}
    assert DEFAULTS["materials"]["counties"] == {}
    assert DEFAULTS["materials"]["labels"] == {}


def test_D16_R6_province_replaces_the_default_list():
    r = rules(default=["approval_form_x2", "id_card_original_and_copy"])
    assert materials_for(r, YICHANG, YUANAN) == ["approval_form_x2", "id_card_original_and_copy"]


def test_D16_city_override_adds_and_removes():
    r = rules(cities={YICHANG: {"add": ["health_certificate"], "remove": ["local_requirements"]}})
    assert materials_for(r, YICHANG, YUANAN) == NATIONAL[:-1] + ["health_certificate"]


def test_D16_city_override_applies_to_that_city_only():
    r = rules(cities={YICHANG: {"add": ["health_certificate"]}})
    assert materials_for(r, WUHAN, WUCHANG) == NATIONAL
    assert materials_for(r, None, None) == NATIONAL


def test_D16_county_override_adds_and_removes():
    r = rules(counties={YUANAN: {"add": ["county_form"], "remove": ["photos_2inch_x3"]}})
    assert materials_for(r, YICHANG, YUANAN) == [m for m in NATIONAL if m != "photos_2inch_x3"] + [
        "county_form"
    ]
    assert materials_for(r, YICHANG, "420506") == NATIONAL  # another county of the same city


def test_D16_county_is_applied_after_the_city():
    """The county has the last word: it may take back what its city added, or restore what
    the city removed."""
    r = rules(
        cities={YICHANG: {"add": ["health_certificate"], "remove": ["local_requirements"]}},
        counties={YUANAN: {"add": ["local_requirements"], "remove": ["health_certificate"]}},
    )
    assert materials_for(r, YICHANG, YUANAN) == NATIONAL[:-1] + ["local_requirements"]
    # the city's other counties keep the city's list
    assert materials_for(r, YICHANG, "420506") == NATIONAL[:-1] + ["health_certificate"]


def test_D16_county_without_a_city_still_applies():
    r = rules(counties={YUANAN: {"add": ["county_form"]}})
    assert materials_for(r, None, YUANAN) == NATIONAL + ["county_form"]


def test_D16_adding_an_item_twice_lists_it_once():
    r = rules(
        default=NATIONAL + ["approval_form_x2"],
        cities={YICHANG: {"add": ["health_certificate", "health_certificate", "approval_form_x2"]}},
        counties={YUANAN: {"add": ["health_certificate"]}},
    )
    assert materials_for(r, YICHANG, YUANAN) == NATIONAL + ["health_certificate"]


def test_D16_removing_an_item_not_in_the_list_changes_nothing():
    r = rules(cities={YICHANG: {"remove": ["no_such_item"]}})
    assert materials_for(r, YICHANG, YUANAN) == NATIONAL


def test_D16_override_may_empty_the_list():
    r = rules(cities={YICHANG: {"remove": NATIONAL}})
    assert materials_for(r, YICHANG, YUANAN) == []


@pytest.mark.parametrize(
    "override",
    [
        None,
        "health_certificate",
        3,
        [],
        {"add": "health_certificate"},
        {"add": [None, 3, ""], "remove": "local_requirements"},
        {"other": ["x"]},
    ],
)
def test_D16_R6_malformed_override_changes_nothing(override):
    """Settings are data typed by an administrator: a wrong shape is ignored, never a 500."""
    r = copy.deepcopy(DEFAULTS)
    r["materials"]["cities"] = {YICHANG: override}
    assert materials_for(r, YICHANG, YUANAN) == NATIONAL


def test_D16_R6_malformed_override_tables_change_nothing():
    r = copy.deepcopy(DEFAULTS)
    r["materials"]["cities"] = ["420500"]
    r["materials"]["counties"] = None
    assert materials_for(r, YICHANG, YUANAN) == NATIONAL


def test_D16_rules_without_materials_give_an_empty_list():
    assert materials_for({}, YICHANG, YUANAN) == []


def test_D16_input_rules_are_not_changed():
    r = rules(cities={YICHANG: {"add": ["health_certificate"], "remove": ["local_requirements"]}})
    before = copy.deepcopy(r)
    materials_for(r, YICHANG, YUANAN)
    assert r == before


# ---- per application: D8 (Notice of Passing), L5 (assessment after a refusal) ----------------


def test_D16_intro_paper_qualification_certificate_is_in_the_national_list():
    assert "qualification_certificate_original_and_copy" in DEFAULTS["materials"]["default"]
    assert for_application(NATIONAL, notice_only=False, assessment=False) == NATIONAL


def test_D8_notice_of_passing_replaces_the_certificate_in_its_place():
    items = for_application(NATIONAL, notice_only=True, assessment=False)
    assert items == [m.replace("qualification_certificate", "passing_notice") for m in NATIONAL]
    assert "qualification_certificate_original_and_copy" not in items


def test_L5_assessment_certificate_comes_before_the_local_requirements():
    items = for_application(NATIONAL, notice_only=False, assessment=True)
    assert items == NATIONAL[:-1] + [
        "assessment_certificate_original_and_copy",
        "local_requirements",
    ]


def test_L5_assessment_certificate_is_added_whatever_the_province_listed():
    """A province's list without "anything else" still gets it, at the end, once."""
    items = for_application(["approval_form_x2"], notice_only=True, assessment=True)
    assert items == ["approval_form_x2", "assessment_certificate_original_and_copy"]
    again = for_application(items, notice_only=False, assessment=True)
    assert again == items


def test_D16_R6_a_stored_list_from_before_the_certificate_still_works():
    """A province that replaced the list before the certificate joined the national one keeps
    its own list (its rule versions are history, A6): nothing added, nothing lost, for a doctor
    with a certificate or a notice; it may tick the new item in the rules editor."""
    r = rules(default=BEFORE_D16_CERTIFICATE)
    items = materials_for(r, YICHANG, YUANAN)
    assert items == BEFORE_D16_CERTIFICATE
    assert for_application(items, notice_only=True, assessment=False) == BEFORE_D16_CERTIFICATE
    assert for_application(items, notice_only=False, assessment=False) == BEFORE_D16_CERTIFICATE


def test_D16_for_application_does_not_change_its_input():
    items = list(NATIONAL)
    for_application(items, notice_only=True, assessment=True)
    assert items == NATIONAL
