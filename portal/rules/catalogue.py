"""The national practice-scope catalogue (L9, 卫医发〔2001〕169号), keyed by category."""

from __future__ import annotations

#: category -> [(scope key, Chinese name)]; the UI shows the Chinese name in both languages
#: with the English gloss from the translation catalogue.
SCOPES: dict[str, list[tuple[str, str]]] = {
    "clinical": [
        ("internal", "内科专业"),
        ("surgery", "外科专业"),
        ("obstetrics", "妇产科专业"),
        ("paediatrics", "儿科专业"),
        ("ent_eye", "眼耳鼻咽喉科专业"),
        ("dermatology", "皮肤病与性病专业"),
        ("mental_health", "精神卫生专业"),
        ("occupational", "职业病专业"),
        ("imaging", "医学影像和放射治疗专业"),
        ("laboratory", "医学检验、病理专业"),
        ("general_practice", "全科医学专业"),
        ("emergency", "急救医学专业"),
        ("rehabilitation", "康复医学专业"),
        ("preventive", "预防保健专业"),
        ("special_military", "特种医学与军事医学专业"),
        ("family_planning", "计划生育技术服务专业"),
        ("clinical_other", "省级以上卫生行政部门规定的其他专业"),
    ],
    "dental": [
        ("dental", "口腔专业"),
        ("dental_other", "省级以上卫生行政部门规定的其他专业"),
    ],
    "public_health": [
        ("public_health", "公共卫生类别专业"),
        ("public_health_other", "省级以上卫生行政部门规定的其他专业"),
    ],
    "tcm": [
        ("tcm", "中医专业"),
        ("integrated", "中西医结合专业"),
        ("mongolian", "蒙医专业"),
        ("tibetan", "藏医专业"),
        ("uyghur", "维医专业"),
        ("dai", "傣医专业"),
        ("tcm_other", "省级以上卫生行政部门规定的其他专业"),
    ],
}

GENERAL_PRACTICE = "general_practice"


def scopes_for(category: str) -> list[tuple[str, str]]:
    """The scopes a doctor of ``category`` may pick (L9: category must match the qualification)."""
    return SCOPES.get(category, [])


def scope_name(key: str) -> str:
    for scopes in SCOPES.values():
        for k, name in scopes:
            if k == key:
                return name
    return key


def scope_keys_from_names(category: str, text: str) -> list[str]:
    """Q2/D5: the scopes of a pre-portal record, written as names (内科专业、外科专业), as keys
    of the catalogue of ``category``; names the catalogue does not know are left out."""
    by_name = {name: key for key, name in scopes_for(category)}
    names = [part.strip() for part in text.replace(",", "、").replace("，", "、").split("、")]
    return [by_name[n] for n in names if n in by_name]


def scope_allowed(category: str, key: str) -> bool:
    return any(k == key for k, _ in scopes_for(category))
