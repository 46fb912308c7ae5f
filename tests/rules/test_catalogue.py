"""L9 / D13: the national practice-scope catalogue (卫医发〔2001〕169号), per category."""

from __future__ import annotations

import pytest

from portal.rules.catalogue import GENERAL_PRACTICE, SCOPES, scope_allowed, scope_name, scopes_for

OTHER = "省级以上卫生行政部门规定的其他专业"


def names(category: str) -> list[str]:
    return [name for _key, name in scopes_for(category)]


def test_L9_clinical_scopes():
    assert names("clinical") == [
        "内科专业",
        "外科专业",
        "妇产科专业",
        "儿科专业",
        "眼耳鼻咽喉科专业",
        "皮肤病与性病专业",
        "精神卫生专业",
        "职业病专业",
        "医学影像和放射治疗专业",
        "医学检验、病理专业",
        "全科医学专业",
        "急救医学专业",
        "康复医学专业",
        "预防保健专业",
        "特种医学与军事医学专业",
        "计划生育技术服务专业",
        OTHER,
    ]


def test_L9_dental_scopes():
    assert names("dental") == ["口腔专业", OTHER]


def test_L9_public_health_scopes():
    assert names("public_health") == ["公共卫生类别专业", OTHER]


def test_L9_tcm_scopes():
    assert names("tcm") == [
        "中医专业",
        "中西医结合专业",
        "蒙医专业",
        "藏医专业",
        "维医专业",
        "傣医专业",
        OTHER,
    ]


def test_L9_every_category_of_the_qualification_records_has_scopes():
    """Q1's four categories (临床, 中医, 口腔, 公共卫生), no more."""
    assert set(SCOPES) == {"clinical", "tcm", "dental", "public_health"}


def test_L9_scope_keys_are_unique_across_categories():
    keys = [key for scopes in SCOPES.values() for key, _name in scopes]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("category", "scope"),
    [
        ("clinical", "internal"),
        ("clinical", "general_practice"),
        ("dental", "dental"),
        ("tcm", "integrated"),
        ("public_health", "public_health"),
    ],
)
def test_L9_scope_of_the_qualification_category_is_allowed(category, scope):
    assert scope_allowed(category, scope)


@pytest.mark.parametrize(
    ("category", "scope"),
    [
        ("clinical", "tcm"),
        ("clinical", "dental"),
        ("dental", "internal"),
        ("tcm", "internal"),
        ("public_health", "surgery"),
        ("tcm", "dental_other"),
        ("clinical", "nonsense"),
        ("clinical", ""),
    ],
)
def test_L9_category_mismatch_is_refused(category, scope):
    """The category registered must match the qualification's category."""
    assert not scope_allowed(category, scope)


def test_L9_unknown_category_has_no_scopes():
    assert scopes_for("veterinary") == [] and not scope_allowed("veterinary", "internal")


def test_D13_F15_general_practice_is_a_clinical_scope():
    """A clinical assistant may register general practice (全科医学专业) [F15]."""
    assert GENERAL_PRACTICE == "general_practice"
    assert scope_allowed("clinical", GENERAL_PRACTICE)
    assert scope_name(GENERAL_PRACTICE) == "全科医学专业"


def test_scope_name_of_an_unknown_key_is_the_key():
    assert scope_name("internal") == "内科专业"
    assert scope_name("no-such-scope") == "no-such-scope"
