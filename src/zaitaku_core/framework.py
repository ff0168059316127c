"""The national framework of 在宅医療・介護連携推進事業, as typed vocabulary.

This module owns the words every other module speaks: the eight program items in the old lettering
(:class:`OldItem`, ア〜ク), the three PDCA phases (:class:`Phase`) and the new items within them
(:class:`NewItem`, ア(ア)…ウ), the four care scenes (:class:`CareScene`), kinds of actors
(:class:`ActorKind`), kinds of collaboration tools (:class:`ToolKind`) and of handoff events
(:class:`EventKind`).

Every member has a stable code (its value), a Japanese label (``ja``) and an English
name (``en``); :meth:`LabeledEnum.parse` accepts any of them and the aliases that the
sources write. The facts that may need correcting (aliases, the old → new mapping, the ``required``
flags, the aims of the scenes) are read from ``data/framework.toml``, not written in code.

>>> OldItem.parse("旧ア").new_item
<NewItem.A_A: 'ア(ア)'>
>>> NewItem.parse("ア(ア)").phase.ja
'現状分析・課題抽出・施策立案'
>>> [str(old) for old in NewItem.B_C.old_items]
['エ', 'カ']
"""

from __future__ import annotations

import tomllib
import unicodedata
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any, Self

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from zaitaku_core.errors import FrameworkCodeError
from zaitaku_core.i18n import N_, ByLanguage

__all__ = [
    "ActorKind",
    "CareScene",
    "EventKind",
    "LabeledEnum",
    "NewItem",
    "OldItem",
    "Phase",
    "ToolKind",
    "normalize_label",
]


def normalize_label(text: str) -> str:
    """Fold a label for matching: NFKC (full-width → half-width), no spaces, lower case.

    >>> normalize_label("（ア） 地域の医療・介護の資源の把握")
    '(ア)地域の医療・介護の資源の把握'
    """
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@cache
def _framework_data() -> dict[str, Any]:
    text = resources.files("zaitaku_core").joinpath("data/framework.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


class LabeledEnum(str, Enum):
    """An enum whose value is a stable code and whose members carry Japanese and English labels.

    Members compare equal to their code string, serialise to it in JSON, and are parsed from the code,
    the Japanese label, the English name or a known alias (see :meth:`parse`).
    """

    #: The stable code as a plain ``str`` (equal to ``value``, and quicker to read in a hot loop).
    code: str
    ja: str
    en: str

    def __new__(cls, code: str, ja: str, en: str) -> Self:
        obj = str.__new__(cls, code)
        obj._value_ = obj.code = code
        obj.ja = ja
        obj.en = en
        return obj

    def __str__(self) -> str:
        return str(self.value)

    def label(self, lang: str = "ja") -> str:
        """The member's label in ``lang`` (``"ja"`` or ``"en"``)."""
        return self.en if lang == "en" else self.ja

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        """Extra spellings per member code, from the framework data (none by default)."""
        return {}

    @classmethod
    def _lookup(cls) -> dict[str, Self]:
        table: dict[str, Self] = {}
        aliases = cls._aliases()
        for member in cls:
            for text in (member.value, member.ja, member.en, member.name, *aliases.get(member.value, [])):
                table.setdefault(normalize_label(text), member)
        return table

    @classmethod
    def parse(cls, text: str | Self) -> Self:
        """Find the member named by ``text``: its code, Japanese label, English name or an alias.

        Raises:
            FrameworkCodeError: ``text`` names no member; the message lists the valid codes.
        """
        if isinstance(text, cls):
            return text
        if isinstance(text, str):
            table = _lookup_cache(cls)
            found = table.get(text) or table.get(normalize_label(text))
            if found is not None:
                return found  # type: ignore[return-value]
        valid = ByLanguage(
            "、".join(f"{m.value}（{m.ja}）" for m in cls), ", ".join(f"{m.value} ({m.ja})" for m in cls)
        )
        raise FrameworkCodeError(
            N_("unknown {kind} {text!r}; expected one of: {valid}"),
            values={"kind": cls.__name__, "text": text, "valid": valid},
        )

    @classmethod
    def _missing_(cls, value: object) -> Self:
        # Lets ``OldItem("旧ア")`` accept labels and aliases as well as codes, with the message of parse.
        return cls.parse(value)  # type: ignore[arg-type]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # In models, labels and aliases are read by :meth:`parse`; the JSON Schema lists the codes.
        def parse_text(value: Any) -> Any:
            return cls.parse(value) if isinstance(value, str) else value

        return core_schema.no_info_before_validator_function(parse_text, handler(source))


@cache
def _lookup_cache(cls: type[LabeledEnum]) -> dict[str, LabeledEnum]:
    # Normalised spellings, plus each member's code as written so the common case skips normalisation.
    table: dict[str, LabeledEnum] = dict(cls._lookup())
    for member in cls:
        table.setdefault(member.value, member)
    return table


class Phase(LabeledEnum):
    """The three PDCA phases into which the 2020 amendment regrouped the program items."""

    A = ("ア", "現状分析・課題抽出・施策立案", "analysis and planning")
    B = ("イ", "対応策の実施", "implementation")
    C = ("ウ", "対応策の評価・改善", "evaluation and improvement")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {code: entry.get("aliases", []) for code, entry in _framework_data()["phases"].items()}

    @property
    def items(self) -> tuple[NewItem, ...]:
        """The new items of this phase, in order."""
        return tuple(item for item in NewItem if item.phase is self)


class OldItem(LabeledEnum):
    """The eight program items in the old lettering (2015–2021), ア〜ク."""

    A = ("ア", "地域の医療・介護の資源の把握", "resource mapping")
    I = ("イ", "在宅医療・介護連携の課題の抽出と対応策の検討", "issue analysis")  # noqa: E741
    U = ("ウ", "切れ目のない在宅医療と在宅介護の提供体制の構築推進", "seamless provision")
    E = ("エ", "医療・介護関係者の情報共有の支援", "information sharing")
    O = ("オ", "在宅医療・介護連携に関する相談支援", "consultation support")  # noqa: E741
    KA = ("カ", "医療・介護関係者の研修", "professional training")
    KI = ("キ", "地域住民への普及啓発", "public awareness")
    KU = ("ク", "在宅医療・介護連携に関する関係市区町村の連携", "inter-municipal cooperation")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {code: entry.get("aliases", []) for code, entry in _framework_data()["old_items"].items()}

    @property
    def required(self) -> bool:
        """Whether the item is mandatory (all eight from April 2018), from the framework data."""
        return bool(_framework_data()["old_items"][self.code].get("required", False))

    @property
    def new_item(self) -> NewItem | None:
        """The new item this old item became; ``None`` for ク, which left the statutory list."""
        return _old_to_new().get(self)


class NewItem(LabeledEnum):
    """The program items in the PDCA grouping in force since April 2021, ア(ア)…ウ."""

    A_A = ("ア(ア)", "地域の医療・介護の資源の把握", "resource mapping")
    A_B = ("ア(イ)", "在宅医療・介護連携の課題の抽出と対応策の検討", "issue analysis")
    A_C = ("ア(ウ)", "切れ目のない在宅医療と在宅介護の提供体制の構築推進", "seamless provision")
    B_A = ("イ(ア)", "在宅医療・介護連携に関する相談支援", "consultation support")
    B_B = ("イ(イ)", "地域住民への普及啓発", "public awareness")
    B_C = (
        "イ(ウ)",
        "医療・介護関係者の情報共有の支援、知識の習得等のための研修などの地域の実情に応じた医療・介護関係者の支援",
        "support for professionals (information sharing and training)",
    )
    C = ("ウ", "対応策の評価の実施、改善の実施", "evaluation and improvement")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {code: entry.get("aliases", []) for code, entry in _framework_data()["new_items"].items()}

    @property
    def phase(self) -> Phase:
        """The PDCA phase this item belongs to (the letter before the parenthesis)."""
        return _phase_of()[self]

    @property
    def required(self) -> bool:
        """Whether the item is individually mandatory ([check] in domain.md; kept as data)."""
        return bool(_framework_data()["new_items"][self.code].get("required", False))

    @property
    def old_items(self) -> tuple[OldItem, ...]:
        """The old items merged into this one (two for イ(ウ), none for ウ)."""
        return _new_to_old()[self]

    @property
    def old_item(self) -> OldItem | None:
        """The single old item this one continues, or ``None`` where there is none or several."""
        olds = self.old_items
        return olds[0] if len(olds) == 1 else None


@cache
def _phase_of() -> dict[NewItem, Phase]:
    return {item: Phase.parse(item.code[0]) for item in NewItem}


@cache
def _new_to_old() -> dict[NewItem, tuple[OldItem, ...]]:
    data = _framework_data()["new_items"]
    return {new: tuple(OldItem.parse(code) for code in data[new.value].get("old", [])) for new in NewItem}


@cache
def _old_to_new() -> dict[OldItem, NewItem]:
    mapping: dict[OldItem, NewItem] = {}
    for new in NewItem:
        for old in new.old_items:
            mapping[old] = new
    return mapping


class CareScene(LabeledEnum):
    """The four care scenes (4つの場面) for which a municipality sets its aims and targets."""

    DAILY_SUPPORT = ("daily_support", "日常の療養支援", "daily care support")
    ADMISSION_DISCHARGE = ("admission_discharge", "入退院支援", "admission and discharge support")
    EMERGENCY = ("emergency", "急変時の対応", "response to sudden change")
    END_OF_LIFE = ("end_of_life", "看取り", "end-of-life care")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {code: entry.get("aliases", []) for code, entry in _framework_data()["scenes"].items()}

    def aim(self, lang: str = "ja") -> str:
        """What the guide aims for in this scene (目指すべき姿), in short."""
        entry = _framework_data()["scenes"][self.value]
        return str(entry["aim_en"] if lang == "en" else entry["aim"])


class ActorKind(LabeledEnum):
    """Kinds of organisations and people that take part in the program or in a handoff."""

    HOSPITAL = ("hospital", "病院", "hospital")
    HOSPITAL_LIAISON = ("hospital_liaison", "地域連携室・医療相談員", "hospital liaison office")
    CLINIC = ("clinic", "診療所", "clinic")
    HOME_DOCTOR = ("home_doctor", "主治医", "attending doctor")
    DENTAL_CLINIC = ("dental_clinic", "歯科診療所", "dental clinic")
    PHARMACY = ("pharmacy", "薬局", "pharmacy")
    VISITING_NURSE = ("visiting_nurse", "訪問看護ステーション", "visiting-nurse station")
    COMMUNITY_NURSING_HOME = (
        "community_nursing_home",
        "地域密着型介護老人福祉施設",
        "community-based nursing home for the elderly",
    )
    LTC_FACILITY = ("ltc_facility", "介護保険施設", "long-term care insurance facility")
    CARE_MANAGEMENT_OFFICE = ("care_management_office", "居宅介護支援事業所", "care-management office")
    CARE_MANAGER = ("care_manager", "介護支援専門員", "care manager")
    CARE_PROVIDER = ("care_provider", "介護サービス事業所", "care-service provider")
    COMMUNITY_SUPPORT_CENTER = ("community_support_center", "地域包括支援センター", "community support centre")
    HOME_CARE_SUPPORT_CENTER = (
        "home_care_support_center",
        "在宅医療・介護連携支援センター",
        "home-care collaboration support centre",
    )
    FIRE_SERVICE = ("fire_service", "消防（救急）", "fire and emergency service")
    MEDICAL_ASSOCIATION = ("medical_association", "医師会", "medical association")
    DENTAL_ASSOCIATION = ("dental_association", "歯科医師会", "dental association")
    PHARMACEUTICAL_ASSOCIATION = ("pharmaceutical_association", "薬剤師会", "pharmaceutical association")
    PROFESSIONAL_ASSOCIATION = ("professional_association", "職能団体", "professional association")
    PUBLIC_HEALTH_CENTER = ("public_health_center", "保健所", "public health centre")
    MUNICIPALITY = ("municipality", "市町村", "municipality")
    MUNICIPAL_DIVISION = ("municipal_division", "市町村の担当課", "municipal division")
    PREFECTURE = ("prefecture", "都道府県", "prefecture")
    RESIDENT = ("resident", "地域住民", "resident")
    USER = ("user", "利用者（本人・家族）", "the person and family")
    OTHER = ("other", "その他", "other")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {
            "care_manager": ["ケアマネジャー", "ケアマネ"],
            "hospital": ["病院等", "医療機関"],
            "fire_service": ["消防", "救急"],
            "home_doctor": ["かかりつけ医", "在宅医"],
            "ltc_facility": ["介護老人福祉施設", "介護老人保健施設", "介護医療院", "介護療養型医療施設"],
        }


class ToolKind(LabeledEnum):
    """Kinds of collaboration tools (連携ツール) and linked entities a program uses."""

    FORM = ("form", "様式・シート", "form or sheet")
    NOTEBOOK = ("notebook", "共有手帳・ノート", "shared notebook")
    ICT = ("ict", "ICTシステム", "ICT system")
    GUIDE = ("guide", "手引き・ルール", "guide or rule book")
    PUBLICATION = ("publication", "ガイドブック・パンフレット", "guidebook or pamphlet")
    MEDIA = ("media", "広報媒体", "publicity medium")
    RESOURCE_LIST = ("resource_list", "資源リスト・マップ", "resource list or map")
    NETWORK = ("network", "ネットワーク", "network")
    CONSULTATION_DESK = ("consultation_desk", "相談窓口", "consultation desk")
    MEETING = ("meeting", "会議", "meeting")
    TRAINING = ("training", "研修・講座", "training or lecture")
    OTHER = ("other", "その他", "other")


class EventKind(LabeledEnum):
    """Kinds of events in a person's care that set off a handoff between providers."""

    ADMISSION = ("admission", "入院", "admission")
    DISCHARGE = ("discharge", "退院・退所", "discharge")
    SUDDEN_CHANGE = ("sudden_change", "急変", "sudden change")
    DEATH = ("death", "死亡（看取り）", "death")
    OUTPATIENT_VISIT = ("outpatient_visit", "通院", "outpatient visit")
    HOME_CONFERENCE = ("home_conference", "居宅カンファレンス", "home conference")
    CARE_PLAN_CHANGE = ("care_plan_change", "ケアプラン作成・変更", "care-plan change")
    EQUIPMENT_APPLICATION = ("equipment_application", "福祉用具貸与の申請", "welfare-equipment application")
