"""D16 / R6: the paper materials a doctor brings to the health commission, as plain data.

The tenant's list (``rules["materials"]["default"]``) is the national one unless the province
replaced it; a city and then a county may add items or remove some (FAQ step 4 (6): "other
circumstances stipulated by the administrative department of health of the city and county").

    [materials]
    cities = {"420500": {add = ["health_certificate"], remove = ["local_requirements"]}}
    counties = {"420525": {add = ["..."]}}
    labels = {health_certificate = {zh_CN = "健康证明", en = "Health certificate"}}

Items are keys. The national keys are labelled (and translated) in
``templates/_material_label.html``; an item a province adds is labelled by ``labels``.

Two items depend on the application, not on the place (``for_application``): a doctor applying
with the Notice of Passing alone (D8) brings the notice in place of the paper qualification
certificate (FAQ introduction: "paper certificate is required"); a doctor applying again after a
refusal brings the certificate of the passed assessment (L5, Practitioners' Law art. 19).
"""

from __future__ import annotations


def _keys(value) -> list[str]:
    """A list of keys from settings data; anything else (a typo'd string, a number) is none."""
    if not isinstance(value, list | tuple):
        return []
    return [v for v in value if isinstance(v, str) and v]


#: D16, FAQ introduction: the paper qualification certificate (医师资格证书), in the national list
QUALIFICATION_CERTIFICATE = "qualification_certificate_original_and_copy"
#: D8: what a doctor with the Notice of Passing alone brings in its place (成绩合格通知单)
PASSING_NOTICE = "passing_notice_original_and_copy"
#: L5 (art. 19): the passed assessment after a refusal, asked of that application only
ASSESSMENT_CERTIFICATE = "assessment_certificate_original_and_copy"
#: the item that stays last when an application adds one (FAQ step 4 (6))
LOCAL_REQUIREMENTS = "local_requirements"


def _apply(items: list[str], override) -> list[str]:
    if not isinstance(override, dict):
        return items
    removed = set(_keys(override.get("remove")))
    out = [m for m in items if m not in removed]
    for key in _keys(override.get("add")):
        if key not in out:
            out.append(key)
    return out


def materials_for(rules: dict, city_code: str | None, county_code: str | None) -> list[str]:
    """The paper materials for an institution in this city and county: the tenant's list,
    then the city's override, then the county's (the county has the last word). Each item
    appears once, in the order of the list, added items at the end."""
    settings = rules.get("materials") or {}
    items: list[str] = []
    for key in _keys(settings.get("default")):
        if key not in items:
            items.append(key)
    for level, code in (("cities", city_code), ("counties", county_code)):
        overrides = settings.get(level)
        if code and isinstance(overrides, dict):
            items = _apply(items, overrides.get(code))
    return items


def for_application(items: list[str], *, notice_only: bool, assessment: bool) -> list[str]:
    """The place's list (``materials_for``) for one application. ``notice_only`` (D8): the
    Notice of Passing replaces the qualification certificate where the list has it (a province
    that replaced the list without it asks for neither). ``assessment`` (L5): the certificate of
    the passed assessment is added, whatever the province's list, before "anything else your city
    or county requires" when that is listed, else at the end."""
    out = [PASSING_NOTICE if notice_only and m == QUALIFICATION_CERTIFICATE else m for m in items]
    out = list(dict.fromkeys(out))
    if assessment and ASSESSMENT_CERTIFICATE not in out:
        at = out.index(LOCAL_REQUIREMENTS) if LOCAL_REQUIREMENTS in out else len(out)
        out.insert(at, ASSESSMENT_CERTIFICATE)
    return out
