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
"""

from __future__ import annotations


def _keys(value) -> list[str]:
    """A list of keys from settings data; anything else (a typo'd string, a number) is none."""
    if not isinstance(value, list | tuple):
        return []
    return [v for v in value if isinstance(v, str) and v]


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
