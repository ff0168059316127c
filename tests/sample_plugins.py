"""Plugins defined in code for the tests: a third party needs no change to the core."""

from __future__ import annotations

from typing import Any

from zaitaku_core.plugins import hookimpl


def city_record(city_id: str = "sample", code: str = "012041", name: str = "旭川市") -> dict[str, Any]:
    """A valid City mapping."""
    prefecture = {"01": "北海道", "36": "徳島県"}[code[:2]]
    return {
        "id": city_id,
        "municipality": {"code": code, "name": name, "prefecture": prefecture},
        "fiscal_years": [2024],
    }


class SamplePlugin:
    """A small, complete plugin defined in code."""

    def __init__(self, city_id: str = "sample") -> None:
        self.city_id = city_id

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [city_record(self.city_id)]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        if city != self.city_id:
            return None
        return [
            {
                "id": "p1",
                "title": "資源リストの更新",
                "fiscal_year": fiscal_year,
                "old_item": "ア",
                "scenes": ["入退院支援"],
                "tools": ["list"],
            },
            {"id": "p2", "title": "相談窓口", "fiscal_year": fiscal_year, "new_item": "イ(ア)"},
        ]

    @hookimpl
    def zaitaku_tools(self, city: str) -> list[dict[str, Any]] | None:
        if city != self.city_id:
            return None
        return [{"id": "list", "name": "相談窓口一覧", "kind": "resource_list"}]
