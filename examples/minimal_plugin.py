"""A minimal city plugin written in code, registered without installing anything.

A real plugin is a distribution with an entry point in the ``zaitaku`` group (``zaitaku new-city`` writes
one); for a quick experiment or a test, a plugin object can be handed to the registry directly.

Run: python examples/minimal_plugin.py
"""

from __future__ import annotations

from typing import Any

from zaitaku_core import create_registry, hookimpl
from zaitaku_core.report import build_report, render
from zaitaku_core.validation import validate_city

ITEMS = ["ア(ア)", "ア(イ)", "ア(ウ)", "イ(ア)", "イ(イ)", "イ(ウ)", "ウ"]


class Kushiro:
    """釧路市, with one program per national item and one handoff rule."""

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        municipality = {"code": "012068", "name": "釧路市", "prefecture": "北海道", "name_en": "Kushiro"}
        aims = {  # 目指すべき姿 per care scene (a scene without one is reported as information, ZK018)
            "daily_support": "多職種が連携し、住み慣れた自宅での療養生活を支える。",
            "admission_discharge": "入院時から退院後の生活を見据えて情報を共有する。",
            "emergency": "急変時に本人の意思を尊重した対応ができる。",
            "end_of_life": "本人が望む場所で最期を迎えられる。",
        }
        return [{"id": "kushiro", "municipality": municipality, "fiscal_years": [2025], "scene_aims": aims}]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        if city != "kushiro":
            return None
        # Each scene tag says whether the plan states it ("stated", with its source) or the data author
        # inferred it (the default, which then needs a reason: ZK017).
        source = {"title": "釧路市 在宅医療・介護連携推進事業 計画", "section": "4つの場面"}
        scenes = [
            {"scene": scene, "basis": "stated", "source": source}
            for scene in ("daily_support", "admission_discharge", "emergency", "end_of_life")
        ]
        return [
            {"id": f"kushiro-{n}", "title": f"取組{n}", "fiscal_year": fiscal_year, "new_item": item, "scenes": scenes}
            for n, item in enumerate(ITEMS, start=1)
        ]

    @hookimpl
    def zaitaku_handoff_rules(self, city: str) -> list[dict[str, Any]] | None:
        if city != "kushiro":
            return None
        return [
            {
                "id": "kushiro-discharge",
                "title": "退院の目途が立ち次第、病院がケアマネジャーに連絡",
                "scene": "admission_discharge",
                "event": "discharge",
                "contact_from": ["hospital"],
                "contact_to": ["care_manager"],
                "deadline": {"kind": "before"},
                "basis": "city",
                "binding": False,
            }
        ]


def main() -> None:
    registry = create_registry(entry_points=False, plugins=[("kushiro", Kushiro())])
    findings = validate_city(registry, "kushiro")
    print(f"findings: {[f.code for f in findings] or 'none'}")
    report = build_report(registry, "kushiro", 2025, lang="en")
    print(render(report, "md").decode()[:400])


if __name__ == "__main__":
    main()
