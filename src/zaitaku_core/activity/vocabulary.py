"""The words of the activity log: kinds of activity, who asked a consultation, professions, changes.

Pure vocabulary (no database), so that the plan model can name them in an indicator's derivation
without importing SQLAlchemy. Every member is a :class:`~zaitaku_core.framework.LabeledEnum`: a stable
code, a Japanese label, an English name, and the spellings a centre's own log uses as aliases.

>>> ActivityKind.parse("出前講座"), Asker.parse("家族").ja, Profession.parse("ケアマネ").code
(<ActivityKind.LECTURE: 'lecture'>, '家族', 'care_manager')
"""

from __future__ import annotations

from zaitaku_core.framework import LabeledEnum

__all__ = ["ActivityKind", "Asker", "ChangeAction", "Profession"]


class ActivityKind(LabeledEnum):
    """What kind of activity a log entry records."""

    MEETING = ("meeting", "会議", "meeting")
    TRAINING = ("training", "研修", "training")
    LECTURE = ("lecture", "講座・講演", "lecture")
    EVENT = ("event", "イベント", "event")
    CONSULTATION = ("consultation", "相談", "consultation")
    PUBLICATION = ("publication", "発行・広報", "publication")
    SURVEY = ("survey", "調査", "survey")
    OTHER = ("other", "その他", "other")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {
            "meeting": ["会議体", "協議会", "部会", "検討会", "連絡会", "カンファレンス"],
            "training": ["研修会", "多職種研修", "事例検討"],
            "lecture": ["講座", "講演", "講演会", "出前講座", "講習会"],
            "event": ["行事", "フェス", "催し"],
            "consultation": ["相談支援", "相談対応"],
            "publication": ["発行", "広報", "刊行", "配布"],
            "survey": ["アンケート", "実態調査"],
        }


class Asker(LabeledEnum):
    """Who asked for a consultation (相談者の区分). Never the person: only the kind of person."""

    PROFESSIONAL = ("professional", "専門職・関係機関", "professional")
    RESIDENT = ("resident", "本人・住民", "resident")
    FAMILY = ("family", "家族", "family")
    OTHER = ("other", "その他", "other")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {
            "professional": ["専門職", "関係機関", "医療・介護関係者", "関係者"],
            "resident": ["本人", "住民", "市民", "地域住民"],
            "family": ["家族・親族", "親族"],
        }


class Profession(LabeledEnum):
    """Professions counted among participants, or of a professional who asked for a consultation."""

    DOCTOR = ("doctor", "医師", "doctor")
    DENTIST = ("dentist", "歯科医師", "dentist")
    PHARMACIST = ("pharmacist", "薬剤師", "pharmacist")
    NURSE = ("nurse", "看護師", "nurse")
    REHABILITATION = ("rehabilitation", "リハビリテーション専門職", "rehabilitation therapist")
    DIETITIAN = ("dietitian", "管理栄養士", "dietitian")
    DENTAL_HYGIENIST = ("dental_hygienist", "歯科衛生士", "dental hygienist")
    CARE_MANAGER = ("care_manager", "介護支援専門員", "care manager")
    CARE_WORKER = ("care_worker", "介護職", "care worker")
    SOCIAL_WORKER = ("social_worker", "社会福祉士・医療ソーシャルワーカー", "social worker")
    ADMINISTRATION = ("administration", "行政職員", "public administration")
    OTHER = ("other", "その他の職種", "other profession")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {
            "nurse": ["保健師", "助産師", "訪問看護師", "准看護師"],
            "rehabilitation": ["リハ職", "理学療法士", "作業療法士", "言語聴覚士", "PT", "OT", "ST"],
            "care_manager": ["ケアマネジャー", "ケアマネ"],
            "care_worker": ["介護福祉士", "ホームヘルパー", "介護職員"],
            "social_worker": ["社会福祉士", "医療ソーシャルワーカー", "MSW", "精神保健福祉士"],
            "administration": ["行政", "市職員"],
            "other": ["その他"],
        }


class ChangeAction(LabeledEnum):
    """What a change in the log's audit trail did to an entry (the ``action`` column of ``activity_change``)."""

    CORRECT = ("correct", "訂正", "correct")
    DELETE = ("delete", "削除", "delete")
    RESTORE = ("restore", "復元", "restore")
