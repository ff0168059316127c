"""The guide's rules (seed 003) through the core's handoff engine, on admission and discharge events.

Office: closed Saturdays, Sundays, national holidays and 29 Dec - 3 Jan (the government's calendar).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from zaitaku_core.framework import ActorKind
from zaitaku_core.handoff import Contact, Event, Verdict, evaluate
from zaitaku_core.model import RuleBasis
from zaitaku_core.plugins import Registry, create_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return create_registry(entry_points=["asahikawa"])


def verdict(registry: Registry, event: Event, *contacts: Contact) -> Verdict:
    return evaluate(
        event,
        contacts,
        city_rules=registry.handoff_rules("asahikawa"),
        tools=registry.tools("asahikawa"),
    )


def city_obligation(result: Verdict) -> tuple[str, bool, tuple[str, ...]]:
    (rule,) = [o for o in result.obligations if o.basis is RuleBasis.CITY]
    assert rule.binding is False  # 強制的な効力はありません
    return rule.rule_id, rule.met, rule.tools


ADMITTED = datetime(2024, 10, 8, 10, 0)  # a Tuesday


def test_admission_either_side_may_make_the_first_contact(registry: Registry) -> None:
    by_care_manager = Contact(at=datetime(2024, 10, 8, 15, 0), from_party="care_manager", to_party="hospital")
    by_hospital = Contact(at=datetime(2024, 10, 8, 15, 0), from_party="hospital", to_party="care_manager")
    for contact in (by_care_manager, by_hospital):
        result = verdict(registry, Event(kind="admission", at=ADMITTED), contact)
        assert city_obligation(result) == ("asahikawa-admission", True, ("nyuin-joho-teikyo-sheet",))
        assert not result.national_default
    assert city_obligation(verdict(registry, Event(kind="admission", at=ADMITTED)))[1] is False


@pytest.mark.parametrize("other", ["clinic", "hospital_liaison", "hospital"])
def test_admission_care_manager_and_any_of_byoin_tou_on_the_admission_day(registry: Registry, other: str) -> None:
    """「ケアマネジャーと病院等で，早く把握した方が連絡」: the 等 counts a clinic and the hospital's liaison office.

    A contact on the admission day between the care manager and a clinic or a 地域連携室, in either direction,
    meets the city rule, as it meets the national one when the care manager sends it.
    """
    for sender, receiver in (("care_manager", other), (other, "care_manager")):
        contact = Contact(at=datetime(2024, 10, 8, 15, 0), from_party=sender, to_party=receiver)
        assert city_obligation(verdict(registry, Event(kind="admission", at=ADMITTED), contact))[1] is True
    # Two parties of the same side do not make the care manager's contact.
    between = Contact(at=datetime(2024, 10, 8, 15, 0), from_party="hospital", to_party="clinic")
    assert city_obligation(verdict(registry, Event(kind="admission", at=ADMITTED), between))[1] is False


def test_admission_billing_follows_the_national_rules_and_names_form_one(registry: Registry) -> None:
    # The care manager sends sheet ① on the admission day: 入院時情報連携加算(Ⅰ), 250 units; (Ⅱ) is exclusive.
    sent = Contact(at=datetime(2024, 10, 8, 16, 0), to_party="hospital", form="nyuin-joho-teikyo-sheet")
    result = verdict(registry, Event(kind="admission", at=ADMITTED), sent)
    assert result.units == 250
    national = [o for o in result.obligations if o.basis is RuleBasis.NATIONAL]
    assert national and all("nyuin-joho-teikyo-sheet" in o.tools for o in national)
    # The hospital calling first meets the city rule but earns the care manager no add-on.
    called = Contact(at=datetime(2024, 10, 8, 16, 0), from_party="hospital", to_party="care_manager")
    result = verdict(registry, Event(kind="admission", at=ADMITTED), called)
    assert city_obligation(result)[1] is True and result.units == 0


def test_discharge_the_hospital_contacts_the_care_manager(registry: Registry) -> None:
    event = Event(kind="discharge", at=datetime(2024, 10, 25, 11, 0), admitted_at=ADMITTED)
    hospital_calls = Contact(at=datetime(2024, 10, 18, 9, 0), from_party="hospital", to_party="care_manager")
    assert city_obligation(verdict(registry, event, hospital_calls)) == (
        "asahikawa-discharge",
        True,
        ("taiin-renkei-sheet",),
    )
    # The rule is one-way: the care manager calling the hospital does not meet it.
    manager_calls = Contact(at=datetime(2024, 10, 18, 9, 0), from_party="care_manager", to_party="hospital")
    assert city_obligation(verdict(registry, event, manager_calls))[1] is False


def test_discharge_billing_counts_contacts_during_the_stay(registry: Registry) -> None:
    event = Event(kind="discharge", at=datetime(2024, 10, 25, 11, 0), admitted_at=ADMITTED)
    # 退院・退所加算 counts a 面談 with the hospital's staff (a record must say how the contact was made).
    during = Contact(at=datetime(2024, 10, 18, 9, 0), to_party="hospital", means="in_person", form="taiin-renkei-sheet")
    before = Contact(at=datetime(2024, 10, 1, 9, 0), to_party="hospital", means="in_person")
    assert verdict(registry, event, during).units > 0
    assert verdict(registry, event, before).units == 0
    obligations = verdict(registry, event, during).obligations
    assert any("taiin-renkei-sheet" in o.tools for o in obligations if o.basis is RuleBasis.NATIONAL)


def test_rules_name_the_guide_as_source_and_parties_as_in_the_seed(registry: Registry) -> None:
    rules = {rule.id: rule for rule in registry.handoff_rules("asahikawa")}
    assert set(rules) == {"asahikawa-admission", "asahikawa-discharge"}
    assert rules["asahikawa-admission"].contact_from == (ActorKind.CARE_MANAGER,)
    assert rules["asahikawa-discharge"].contact_from == (
        ActorKind.HOSPITAL,
        ActorKind.HOSPITAL_LIAISON,
        ActorKind.CLINIC,
    )
    assert rules["asahikawa-discharge"].contact_to == (ActorKind.CARE_MANAGER,)
    for rule in rules.values():
        assert rule.source is not None and "旭川市入退院時の医療と介護の連携の手引" in rule.source.title
