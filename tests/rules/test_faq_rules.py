"""One test per FAQ case of the rules R1–R5 (pure functions, national defaults)."""

from __future__ import annotations

from datetime import date

from config import national_rules
from portal.rules.certificates import (
    Held,
    conflicting_certificate,
    exam_years_counted,
    exam_years_in_force,
)
from portal.rules.lapse import assessment_required, training_certificate_error, training_required
from portal.rules.scopes import assistant_scope_locked, check_scopes, gp_on_top_offered

RULES = national_rules()


def scopes(
    level="practitioner",
    category="clinical",
    institution_level="county",
    chosen=(),
    gp=False,
    rules=RULES,
):
    return check_scopes(
        level=level,
        category=category,
        institution_level=institution_level,
        chosen=list(chosen),
        rules=rules,
        gp_transfer_training=gp,
    )


# ---- R1 (F12) ------------------------------------------------------------------------------


def test_f12_clinician_at_county_level_may_hold_three_scopes_of_one_category():
    check = scopes(chosen=["internal", "surgery", "paediatrics"])
    assert check.errors == () and check.needs_county_approval and check.limit == 3


def test_f12_clinician_at_county_level_may_not_hold_four():
    assert (
        "scope_too_many"
        in scopes(chosen=["internal", "surgery", "paediatrics", "emergency"]).errors
    )


def test_f12_scopes_of_two_categories_are_refused():
    assert "scope_category" in scopes(chosen=["internal", "tcm"]).errors


def test_f12_at_a_tertiary_hospital_one_scope():
    assert scopes(institution_level="tertiary", chosen=["internal"]).errors == ()
    assert (
        "scope_too_many"
        in scopes(institution_level="tertiary", chosen=["internal", "surgery"]).errors
    )


def test_f12_general_practice_on_top_after_transfer_training():
    check = scopes(institution_level="tertiary", chosen=["internal", "general_practice"], gp=True)
    assert check.errors == () and check.general_practice_on_top
    without = scopes(
        institution_level="tertiary", chosen=["internal", "general_practice"], gp=False
    )
    assert "scope_too_many" in without.errors


def test_f12_county_three_plus_general_practice_on_top():
    check = scopes(chosen=["internal", "surgery", "paediatrics", "general_practice"], gp=True)
    assert check.errors == () and check.general_practice_on_top


def test_f12_an_institution_under_a_city_itself_is_not_county_level():
    """A1: "at or below county level" is an institution of a county; one filed under the city
    itself has no county to approve extra scopes, whatever level it was given."""
    check = check_scopes(
        level="practitioner",
        category="clinical",
        institution_level="county",
        chosen=["internal", "surgery"],
        rules=RULES,
        region_level="city",
    )
    assert "scope_too_many" in check.errors and not check.needs_county_approval and check.limit == 1


def test_one_scope_needs_no_county_approval():
    assert not scopes(chosen=["internal"]).needs_county_approval


def test_l9_no_scope_is_refused():
    assert scopes(chosen=[]).errors == ("scope_required",)


def test_l9_tcm_scopes_for_a_tcm_doctor():
    assert scopes(category="tcm", institution_level="tertiary", chosen=["integrated"]).errors == ()


def test_r1_three_scope_exception_is_for_clinicians_only():
    assert "scope_too_many" in scopes(category="tcm", chosen=["tcm", "integrated"]).errors


# ---- R2 (F4, F11, F15) ---------------------------------------------------------------------


def test_f4_assistant_scope_count_is_one_by_default():
    assert "scope_too_many" in scopes(level="assistant", chosen=["internal", "surgery"]).errors


def test_f4_assistant_scope_count_follows_the_tenant_setting():
    rules = {**RULES, "scopes": {**RULES["scopes"], "assistant_max": 2}}
    assert scopes(level="assistant", chosen=["internal", "surgery"], rules=rules).errors == ()


def test_f11_assistant_cannot_change_the_scope_after_submission():
    assert assistant_scope_locked("assistant", scope_submitted=True)
    assert not assistant_scope_locked("assistant", scope_submitted=False)
    assert not assistant_scope_locked("practitioner", scope_submitted=True)


def test_f15_clinical_assistant_may_register_general_practice():
    check = scopes(level="assistant", chosen=["general_practice"])
    assert (
        check.errors == () and not check.general_practice_on_top and not check.needs_county_approval
    )


# ---- R3 (F7) -------------------------------------------------------------------------------


def test_f7_never_registered_within_two_years_of_qualifying_needs_training():
    assert training_required(
        qualified_on=date(2022, 9, 1),
        applying_on=date(2024, 9, 2),
        ever_registered=False,
        suspended_since=None,
        lapse_years=2,
    )


def test_f7_within_two_years_of_qualifying_needs_no_training():
    assert not training_required(
        qualified_on=date(2022, 9, 1),
        applying_on=date(2024, 9, 1),
        ever_registered=False,
        suspended_since=None,
        lapse_years=2,
    )


def test_f7_practice_suspended_more_than_two_years_needs_training():
    assert training_required(
        qualified_on=date(2010, 9, 1),
        applying_on=date(2026, 3, 2),
        ever_registered=True,
        suspended_since=date(2024, 3, 1),
        lapse_years=2,
    )
    assert not training_required(
        qualified_on=date(2010, 9, 1),
        applying_on=date(2026, 3, 1),
        ever_registered=True,
        suspended_since=date(2024, 3, 1),
        lapse_years=2,
    )


def test_f7_training_of_six_months_with_the_assessment_passed():
    assert training_certificate_error(6, True, 6) is None
    assert training_certificate_error(5, True, 6) == "training_too_short"
    assert training_certificate_error(12, False, 6) == "training_not_passed"
    assert training_certificate_error(None, False, 6) == "training_missing"


def test_f7_registration_is_valid_for_two_years():
    assert RULES["registration"]["valid_years"] == 2


# ---- R4 (F16) ------------------------------------------------------------------------------


def test_f16_assistant_and_rural_general_assistant_register_only_one():
    held = [Held("A1", "assistant", False), Held("R1", "assistant", True)]
    assert conflicting_certificate(held, "R1") == held[0]
    assert conflicting_certificate(held, "A1") == held[1]


def test_f16_a_single_certificate_cancels_nothing():
    assert conflicting_certificate([Held("A1", "assistant", False)], "A1") is None
    assert (
        conflicting_certificate(
            [Held("P1", "practitioner", False), Held("A1", "assistant", False)], "P1"
        )
        is None
    )


# ---- R5 (intro, F7) ------------------------------------------------------------------------


def test_f7_assistant_registered_on_31_december_counts_that_year():
    assert exam_years_counted(date(2025, 12, 31), 2026) == 1


def test_f7_assistant_registered_on_1_january_does_not_count_the_year_before():
    assert exam_years_counted(date(2026, 1, 1), 2026) == 0


def test_r5_assistant_registration_in_force_counts_toward_this_years_exam():
    """Registered on 31 December 2024: 2024 and 2025 count toward the 2026 exam."""
    assert exam_years_in_force(
        "assistant", date(2024, 12, 31), date(2026, 12, 31), date(2026, 3, 2)
    ) == (2026, 2)
    assert exam_years_in_force(
        "assistant", date(2025, 1, 1), date(2027, 1, 1), date(2026, 3, 2)
    ) == (2026, 1)
    assert exam_years_in_force(
        "assistant", date(2026, 3, 2), date(2028, 3, 2), date(2026, 3, 2)
    ) == (2026, 0)


def test_r5_nothing_counted_for_a_practitioner_a_lapsed_or_an_unapproved_registration():
    assert (
        exam_years_in_force("practitioner", date(2024, 1, 1), date(2026, 12, 31), date(2026, 3, 2))
        is None
    )
    assert (
        exam_years_in_force("assistant", date(2023, 1, 1), date(2025, 1, 1), date(2026, 3, 2))
        is None
    )
    assert exam_years_in_force("assistant", None, None, date(2026, 3, 2)) is None
    # the valid-until day itself is still in force (R3)
    assert exam_years_in_force(
        "assistant", date(2024, 3, 2), date(2026, 3, 2), date(2026, 3, 2)
    ) == (2026, 2)


def test_f17_pre_portal_scope_names_map_to_the_catalogue():
    from portal.rules.catalogue import scope_keys_from_names

    assert scope_keys_from_names("clinical", "内科专业、全科医学专业") == [
        "internal",
        "general_practice",
    ]
    assert scope_keys_from_names("clinical", "内科专业，不存在的专业") == ["internal"]
    assert scope_keys_from_names("tcm", "内科专业") == []


# ---- R1 (F12): where general practice comes on top is a tenant setting ---------------------


def with_scopes(**changes) -> dict:
    return {**RULES, "scopes": {**RULES["scopes"], **changes}}


def test_f12_general_practice_on_top_is_offered_by_default_where_the_faq_says():
    assert (
        RULES["scopes"]["gp_on_top_secondary_and_above"]
        and RULES["scopes"]["gp_on_top_county_level"]
    )
    assert gp_on_top_offered("practitioner", "clinical", "secondary", RULES)
    assert gp_on_top_offered("practitioner", "clinical", "tertiary", RULES)
    assert gp_on_top_offered("practitioner", "clinical", "county", RULES)
    assert not gp_on_top_offered(
        "assistant", "clinical", "tertiary", RULES
    )  # F15: an ordinary scope
    assert not gp_on_top_offered("practitioner", "tcm", "tertiary", RULES)  # L9: a clinical scope


def test_f12_a_province_may_count_general_practice_among_the_county_three():
    rules = with_scopes(gp_on_top_county_level=False)
    assert not gp_on_top_offered("practitioner", "clinical", "county", rules)
    assert gp_on_top_offered("practitioner", "clinical", "tertiary", rules)
    four = scopes(
        chosen=["internal", "surgery", "paediatrics", "general_practice"], gp=True, rules=rules
    )
    assert "scope_too_many" in four.errors and not four.general_practice_on_top
    three = scopes(chosen=["internal", "surgery", "general_practice"], gp=True, rules=rules)
    assert three.errors == () and not three.general_practice_on_top and three.needs_county_approval
    # the secondary-and-above case is untouched
    assert scopes(
        institution_level="tertiary", chosen=["internal", "general_practice"], gp=True, rules=rules
    ).general_practice_on_top


def test_f12_general_practice_on_top_switched_off_above_county_level():
    rules = with_scopes(gp_on_top_secondary_and_above=False)
    check = scopes(
        institution_level="secondary", chosen=["internal", "general_practice"], gp=True, rules=rules
    )
    assert "scope_too_many" in check.errors and not check.general_practice_on_top
    # an institution filed under a city itself is above county level (A1)
    assert not gp_on_top_offered("practitioner", "clinical", "county", rules, region_level="city")
    assert scopes(
        chosen=["internal", "surgery", "paediatrics", "general_practice"], gp=True, rules=rules
    ).general_practice_on_top


# ---- L5 (Practitioners' Law art. 19): registering again after a refusal ------------------------


def test_l5_a_new_application_after_a_refusal_needs_the_assessment():
    assert assessment_required(["refused"])
    assert assessment_required(["approved", "refused"])


def test_l5_no_assessment_without_a_refusal_or_once_registered_since():
    assert not assessment_required([])
    assert not assessment_required(["approved"])
    assert not assessment_required(["refused", "approved"])  # registered again since the refusal
