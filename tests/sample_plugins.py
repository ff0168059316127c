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


class ReportFixturePlugin:
    """A small city with every kind of value a report shows, and a formula-injection attempt."""

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [
            {
                **city_record("fixture", "362018", "徳島市"),
                "scene_aims": {
                    "daily_support": "住み慣れた自宅で、本人と家族が安心して療養生活を送ることができる。",
                    "admission_discharge": "入院時から退院後の生活を見据え、切れ目なく支援を受けられる。",
                    "emergency": "急変時にも本人の意思が尊重され、適切な対応を受けられる。",
                    "end_of_life": "人生の最終段階を本人が望む場所で迎えられる。",
                },
                "organizations": [
                    {"name": "長寿社会課", "kind": "municipal_division"},
                    {"name": "医師会", "kind": "medical_association"},
                ],
            }
        ]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        if city != "fixture":
            return None
        return [
            {
                "id": "p1",
                "title": "資源リスト",
                "fiscal_year": fiscal_year,
                "old_item": "ア",
                "number": "①",
                "scenes": [{"scene": "入退院支援", "basis": "stated", "source": {"title": "事業計画", "page": "3"}}],
                "tools": ["list"],
                "frequency": "通年",
                "actions": [
                    {"role": "city", "owners": ["長寿社会課"], "text": "一覧を更新する。"},
                    {"role": "partner", "owners": ["医師会"], "text": "=1+1 を含む| 区切り"},
                ],
            },
            {
                "id": "p2",
                "title": "市民公開講座",
                "fiscal_year": fiscal_year,
                "new_item": "イ(イ)",
                "scenes": [{"scene": "看取り", "reason": "講座の主題が看取り"}],
                "frequency": "年1回",
                "new_this_year": True,
                "new_passages": ["看取りの舞台劇"],
                "target": "看取りの舞台劇を開催する。",
            },
            {"id": "p3", "title": "広域連携", "fiscal_year": fiscal_year, "old_item": "ク", "phase": "イ"},
        ]

    @hookimpl
    def zaitaku_tools(self, city: str) -> list[dict[str, Any]] | None:
        if city != "fixture":
            return None
        return [
            {"id": "list", "name": "相談窓口一覧", "kind": "resource_list", "operated_by": ["長寿社会課"]},
            {
                "id": "sheet",
                "name": '=HYPERLINK("http://example.invalid")',
                "kind": "form",
                "filled_by": ["care_manager"],
                "evidence_for": ["入院時情報連携加算"],
            },
        ]

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[dict[str, Any]] | None:
        if city != "fixture":
            return None
        return [
            {
                "id": "lectures",
                "name": "講座の開催回数",
                "unit": "回",
                "type": "process",
                "programs": ["p2"],
                "values": [
                    {"fiscal_year": 2023, "kind": "plan", "value": 2},
                    {"fiscal_year": 2023, "kind": "actual", "status": "cancelled", "note": "感染症のため中止"},
                    {"fiscal_year": 2024, "kind": "plan", "value": 2},
                    {"fiscal_year": 2024, "kind": "actual", "value": 1, "status": "partial", "as_of": "2024-09-30"},
                    {"fiscal_year": 2025, "kind": "plan", "frequency": "年1回"},
                    {"fiscal_year": 2025, "kind": "actual", "value": 1, "status": "provisional"},
                ],
            },
            {
                "id": "people",
                "name": "参加人数",
                "unit": "人",
                "type": "outcome",
                "values": [
                    {"fiscal_year": 2024, "kind": "plan", "value": 100},
                    {"fiscal_year": 2024, "kind": "actual", "value": 120},
                ],
            },
            {
                "id": "shops",
                "name": "協力事業所",
                "unit": "事業所",
                "type": "structure",
                "values": [
                    {"fiscal_year": 2024, "kind": "plan", "value": 10},
                    {"fiscal_year": 2024, "kind": "actual", "value": 7},
                ],
            },
        ]

    @hookimpl
    def zaitaku_handoff_rules(self, city: str) -> list[dict[str, Any]] | None:
        if city != "fixture":
            return None
        return [
            {
                "id": "r1",
                "title": "退院時の連絡",
                "scene": "入退院支援",
                "event": "discharge",
                "contact_from": ["hospital"],
                "contact_to": ["care_manager"],
                "deadline": {"kind": "asap", "anchor": "退院の目途が立ち次第"},
                "tools": ["sheet"],
                "basis": "city",
                "binding": False,
            }
        ]
