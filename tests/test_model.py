"""The domain models: derivations, validation errors, frequencies, JSON Schema."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pytest
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from zaitaku_core.framework import ActorKind, CareScene, NewItem, OldItem, Phase
from zaitaku_core.model import (
    City,
    Deadline,
    Frequency,
    FrequencyKind,
    HandoffRule,
    Indicator,
    Municipality,
    Program,
    json_schemas,
)


def program(**fields: object) -> Program:
    return Program.model_validate({"id": "p", "title": "取組", "fiscal_year": 2024, **fields})


class TestProgramCodes:
    def test_old_code_gives_new_code_and_phase(self) -> None:
        p = program(old_item="旧エ")
        assert (p.old_item, p.new_item, p.phase) == (OldItem.E, NewItem.B_C, Phase.B)

    def test_unambiguous_new_code_gives_old_code(self) -> None:
        p = program(new_item="ア(イ)")
        assert p.old_item is OldItem.I

    def test_merged_new_code_leaves_old_code_open(self) -> None:
        p = program(new_item="イ(ウ)")
        assert p.old_item is None and p.phase is Phase.B

    def test_evaluation_item_has_no_old_code(self) -> None:
        p = program(new_item="ウ")
        assert p.old_item is None and p.phase is Phase.C

    def test_ku_has_no_new_code_but_may_carry_a_phase(self) -> None:
        p = program(old_item="ク", phase="対応策の実施")
        assert p.new_item is None and p.phase is Phase.B

    def test_both_codes_must_agree(self) -> None:
        with pytest.raises(ValidationError, match=r"old item ア .* does not belong to new item イ\(ア\)"):
            program(old_item="ア", new_item="イ(ア)")

    def test_phase_must_agree_with_new_code(self) -> None:
        with pytest.raises(ValidationError, match="contradicts"):
            program(old_item="ア", phase="ウ")

    def test_fiscal_year_accepts_era_labels(self) -> None:
        assert program(fiscal_year="令和6年度").fiscal_year == 2024

    def test_unknown_field_is_rejected(self) -> None:
        with pytest.raises(ValidationError, match="titel"):
            program(titel="typo")

    def test_unknown_item_code(self) -> None:
        with pytest.raises(ValidationError, match="unknown OldItem 'ケ'"):
            program(old_item="ケ")

    def test_scenes_accept_labels_and_reasons(self) -> None:
        p = program(scenes=["看取り", {"scene": "急変時", "reason": "24時間対応"}])
        assert p.scene_set == {CareScene.END_OF_LIFE, CareScene.EMERGENCY}

    def test_new_passages_need_the_flag(self) -> None:
        with pytest.raises(ValidationError, match="new_this_year"):
            program(new_passages=["令和6年度は全面更新を行う。"])

    def test_models_are_frozen(self) -> None:
        p = program()
        with pytest.raises(ValidationError):
            p.title = "x"  # type: ignore[misc]


class TestMunicipality:
    def test_valid(self) -> None:
        assert Municipality(code="012041", name="旭川市", prefecture="北海道").code == "012041"

    def test_wrong_check_digit(self) -> None:
        with pytest.raises(ValidationError, match="check digit"):
            Municipality(code="012042", name="旭川市", prefecture="北海道")

    def test_prefecture_must_match_code(self) -> None:
        with pytest.raises(ValidationError, match="does not match code 012041"):
            Municipality(code="012041", name="旭川市", prefecture="徳島県")

    def test_city_lists_each_municipality_once(self) -> None:
        m = {"code": "012041", "name": "旭川市", "prefecture": "北海道"}
        with pytest.raises(ValidationError, match="listed twice"):
            City.model_validate({"id": "x", "municipality": m, "covers": [m], "fiscal_years": [2024]})


class TestFrequency:
    @pytest.mark.parametrize(
        ("text", "kind", "count", "per_year"),
        [
            ("年1回", FrequencyKind.PER_YEAR, 1, 1),
            ("年１２回", FrequencyKind.PER_YEAR, 12, 12),
            ("月2回", FrequencyKind.PER_MONTH, 2, 24),
            ("3年ごと", FrequencyKind.EVERY_N_YEARS, 3, None),
            ("通年", FrequencyKind.ALL_YEAR, None, None),
            ("随時", FrequencyKind.AS_NEEDED, None, None),
        ],
    )
    def test_parse(self, text: str, kind: FrequencyKind, count: int | None, per_year: int | None) -> None:
        f = Frequency.parse(text)
        assert (f.kind, f.count, f.times_per_year, f.text) == (kind, count, per_year, text)

    def test_unknown(self) -> None:
        with pytest.raises(ValidationError, match="unknown frequency"):
            Frequency.parse("ときどき")

    def test_rrule_spreads_dates_inside_the_fiscal_year(self) -> None:
        dates = [d.date() for d in Frequency.parse("年3回").to_rrule(2024)]
        assert dates == [date(2024, 4, 1), date(2024, 8, 1), date(2024, 12, 1)]
        monthly = list(Frequency.parse("月2回").to_rrule(2024))
        assert len(monthly) == 24 and monthly[-1].date() <= date(2025, 3, 31)
        weekly = list(Frequency.parse("週1回").to_rrule(2024))
        assert 52 <= len(weekly) <= 53
        assert Frequency.parse("通年").to_rrule(2024) is None

    def test_label(self) -> None:
        assert Frequency.parse("年1回").label() == "年1回"
        assert Frequency.parse("随時").label("en") == "as needed"


class TestHandoffRule:
    base: ClassVar[dict[str, object]] = {
        "id": "r",
        "title": "入院時の連絡",
        "scene": "入退院支援",
        "event": "admission",
        "deadline": {"kind": "asap"},
        "basis": "city",
        "binding": False,
    }

    def test_first_to_learn_names_two_sides_or_one_group(self) -> None:
        rule = HandoffRule.model_validate(
            {
                **self.base,
                "who": "first_to_learn",
                "contact_from": ["care_manager", "hospital"],
                "contact_to": ["hospital", "care_manager"],
            }
        )
        assert rule.deadline.kind.ja == "速やかに"
        # Two sides (the care manager; 病院等): whichever side learns first contacts the other.
        sides = HandoffRule.model_validate(
            {
                **self.base,
                "who": "first_to_learn",
                "contact_from": ["care_manager"],
                "contact_to": ["hospital", "clinic"],
            }
        )
        assert sides.contact_to == (ActorKind.HOSPITAL, ActorKind.CLINIC)

    def test_fixed_rule_needs_two_ends(self) -> None:
        with pytest.raises(ValidationError, match="at least 1 item"):
            HandoffRule.model_validate({**self.base, "contact_from": ["hospital"], "contact_to": []})
        with pytest.raises(ValidationError, match="both ends"):
            HandoffRule.model_validate({**self.base, "contact_from": ["hospital"], "contact_to": ["病院"]})

    def test_deadline_days(self) -> None:
        assert Deadline(kind="business_days", days=3).days == 3
        with pytest.raises(ValidationError, match="needs days"):
            Deadline(kind="calendar_days")


def test_indicator_value_lookup() -> None:
    indicator = Indicator.model_validate(
        {
            "id": "meetings",
            "name": "開催回数",
            "unit": "回",
            "type": "process",
            "values": [
                {"fiscal_year": 2023, "kind": "actual", "status": "cancelled", "note": "新型コロナウイルス感染症"},
                {"fiscal_year": "令和6年度", "kind": "plan", "value": "1"},
            ],
        }
    )
    assert indicator.value(2024, "plan").value == 1  # type: ignore[union-attr]
    assert indicator.value(2023, "actual").status.ja == "中止"  # type: ignore[union-attr]
    assert indicator.value(2024, "actual") is None


def test_json_schemas_cover_the_public_models() -> None:
    schemas = json_schemas()
    assert {"City", "Program", "Tool", "Indicator", "HandoffRule", "Plan"} <= set(schemas)
    program_schema = schemas["Program"]
    assert program_schema["additionalProperties"] is False
    assert "ア" in program_schema["$defs"]["OldItem"]["enum"]


def _public_models() -> list[type[BaseModel]]:
    import zaitaku_core.handoff.model as handoff
    import zaitaku_core.model as model
    import zaitaku_core.report.model as report

    found = [getattr(module, name) for module in (model, handoff, report) for name in module.__all__]
    return [cls for cls in found if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.model_fields]


def _public_named_tuples() -> dict[str, dict[str, FieldInfo]]:
    """The fields of the report's named tuples (a chart's ``Bar``), each as the JSON Schema labels it."""
    import zaitaku_core.report.model as report

    found = [getattr(report, name) for name in report.__all__]
    tuples = [cls for cls in found if isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")]
    defs = report.report_json_schema()["$defs"]
    return {
        cls.__name__: {
            name: FieldInfo(title=item.get("title"), description=item.get("description"))
            for name, item in zip(cls._fields, defs[cls.__name__]["prefixItems"], strict=True)
        }
        for cls in tuples
    }


def test_every_field_of_every_public_model_has_a_japanese_label_and_a_description() -> None:
    """The one source of the Japanese labels (the workbook's headers, the JSON Schema's titles, the API
    reference) and of the English descriptions: none is left out."""
    assert {"City", "Event", "Contact", "Report"} <= {cls.__name__ for cls in _public_models()}
    fields = [(cls.__name__, name, info) for cls in _public_models() for name, info in cls.model_fields.items()]
    tuples = _public_named_tuples()
    assert "Bar" in tuples
    fields += [(cls, name, info) for cls, infos in tuples.items() for name, info in infos.items()]
    for cls, name, info in fields:
        assert info.title and (not info.title.isascii() or info.title in {"ID", "URL"}), (cls, name)
        assert info.description and info.description.endswith((".", ")")), (cls, name)


def test_the_json_schema_carries_the_japanese_label_and_the_description_of_each_field() -> None:
    program = json_schemas()["Program"]
    title = program["properties"]["title"]
    assert title["title"] == "取組名" and title["description"] == "The program's name as the source writes it."
    city = json_schemas()["City"]["properties"]
    assert city["id"]["title"] == "市町村ID" and city["id"]["pattern"] == r"^[a-z0-9][a-z0-9_.\-]*$"
    assert city["municipality"]["title"] == "市町村"  # beside a $ref too


def test_scenes_given_as_a_set_are_refused_as_other_lists_are() -> None:
    """``scenes={"看取り", "入退院支援"}`` from a plugin in code: a set's order follows the per-run string hash, so
    the tags' order (and a JSON export of the plan) changed from run to run; refused like a set in a Listed field."""
    from zaitaku_core.model import Tool

    record = {"id": "t", "name": "連携シート", "kind": "form"}
    with pytest.raises(ValidationError, match="a set has no order"):
        Tool.model_validate({**record, "scenes": {"看取り", "入退院支援"}})
    tool = Tool.model_validate({**record, "scenes": ["看取り", "入退院支援"]})
    assert [tag.scene for tag in tool.scenes] == [CareScene.END_OF_LIFE, CareScene.ADMISSION_DISCHARGE]


def _action(owner: str) -> object:
    from zaitaku_core.model import Action

    return Action(role="city", owners=(owner,), text=f"{owner}の取組")


def _aim(scene: str) -> object:
    from zaitaku_core.model import SceneAim

    return SceneAim(scene=scene, text=f"{scene}の目指すべき姿")


_CITY = {
    "id": "x",
    "municipality": {"code": "011002", "name": "札幌市", "prefecture": "北海道"},
    "fiscal_years": [2024],
}
_SECTION = {"id": "s", "title_ja": "表", "title_en": "Table", "columns": ["a", "b"]}


@pytest.mark.parametrize(
    ("model", "record", "field", "items"),
    [
        # a tuple of frozen models (actions, sources, variants, members, programs …): they hash by their strings
        ("Program", {"id": "p", "title": "取組", "fiscal_year": 2024}, "actions", [_action("医師会"), _action("市")]),
        ("Tool", {"id": "t", "name": "連携シート", "kind": "form"}, "sources", [{"title": "要領"}, {"title": "計画"}]),
        ("ProgramYear", {"fiscal_year": 2024}, "actions", [_action("医師会"), _action("長寿社会課")]),  # optional
        ("City", _CITY, "scene_aims", [_aim("看取り"), _aim("入退院支援")]),  # SceneAims
        ("OfficeCalendarSpec", {"id": "cal", "name": "暦"}, "closed_weekdays", [6, 5]),  # numbers
        ("ReportSection", _SECTION, "rows", [("1", "2"), ("3", "4")]),  # a table's rows
    ],
)  # fmt: skip
def test_every_list_field_of_records_refuses_a_set(
    model: str, record: dict[str, object], field: str, items: list[object]
) -> None:
    """A set's order follows the per-run string hash (a frozen model hashes by its fields), so a tuple field
    made from one, and a report showing it, changed from run to run: refused naming the field, as a27dcb4 did for
    lists of values. The same items as a list are kept in the order given."""
    from zaitaku_core import model as models

    cls: type[BaseModel] = getattr(models, model)
    hashable = [models.Source(**item) if isinstance(item, dict) else item for item in items]
    with pytest.raises(ValidationError, match="a set has no order") as refused:
        cls.model_validate({**record, field: set(hashable)})
    assert refused.value.errors()[0]["loc"] == (field,)
    taken = getattr(cls.model_validate({**record, field: hashable}), field)
    assert list(taken) == hashable


def test_a_row_of_a_report_table_refuses_a_set() -> None:
    from zaitaku_core.model import ReportSection

    with pytest.raises(ValidationError, match="a set has no order") as refused:
        ReportSection.model_validate({**_SECTION, "rows": [{"1", "2"}]})
    assert refused.value.errors()[0]["loc"] == ("rows", 0)
