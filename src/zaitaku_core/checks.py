"""What a validation check is: :class:`Check` (a stable code, a severity and one pure function from a
:class:`~zaitaku_core.model.Plan` to findings), its :data:`CheckScope` and the :func:`check` decorator.

This module depends on the models only, so that the hook specifications, the registry and the core's
catalogue (:mod:`zaitaku_core.validation`) can all name a check without importing one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal, get_args

import attrs

from zaitaku_core.model import Finding, Plan, Severity

__all__ = ["Check", "CheckScope", "check"]


#: What a check reads. ``"plan"`` (the default): anything in the plan. ``"programs"``: the year's programs
#: and what holds for every fiscal year, never ``plan.fiscal_year`` nor what follows from it
#: (``plan.other_year_program_ids``, the plan period's aims); its findings are then the same for two years
#: whose programs are equal but for their fiscal year, and :func:`~zaitaku_core.report.build_reports` reuses
#: them for such a year. ``"city"``: only what holds for every fiscal year (the city record, bodies, tools,
#: indicators, handoff rules, office calendars), never the programs or ``plan.fiscal_year``; its findings
#: are then the same for each year, and a run over several years of one city
#: (:func:`~zaitaku_core.validation.validate_city`, :func:`~zaitaku_core.report.build_reports`) computes them once.
CheckScope = Literal["plan", "programs", "city"]


@attrs.frozen
class Check:
    """One check of the catalogue.

    Attributes:
        code: Stable code (``ZK001`` style: 1–4 capital letters and three digits), unique in the catalogue.
        severity: The severity of the findings it reports.
        title_ja: What it checks, in Japanese.
        title_en: What it checks, in English.
        run: A pure function from a plan to the findings.
        scope: What it reads (:data:`CheckScope`); ``"programs"`` and ``"city"`` are promises the conformance
            suite tests.
    """

    code: str
    severity: Severity
    title_ja: str
    title_en: str
    run: Callable[[Plan], Iterable[Finding]]
    scope: CheckScope = attrs.field(default="plan", validator=attrs.validators.in_(get_args(CheckScope)))

    def finding(
        self,
        plan: Plan,
        message_ja: str,
        message_en: str,
        *,
        program: str | None = None,
        field: str | None = None,
        fiscal_year: int | None = None,
    ) -> Finding:
        """A finding of this check about ``plan`` (and optionally one program and field).

        ``fiscal_year`` is the year the finding is about: by default the plan's for a check of scope
        ``"plan"``; a check of scope ``"programs"`` or ``"city"`` names the year of the value it reports, or
        none (then :func:`~zaitaku_core.validation.run_checks` gives it the year of the plan it reports on).
        """
        if fiscal_year is None and self.scope == "plan":
            fiscal_year = plan.fiscal_year
        # model_validate of a dict: the same validation as Finding(...), without __init__'s ~2 us of Python.
        return Finding.model_validate(
            {
                "code": self.code,
                "severity": self.severity,
                "message_ja": message_ja,
                "message_en": message_en,
                "city": plan.city.id,
                "fiscal_year": fiscal_year,
                "program": program,
                "field": field,
            }
        )


def check(
    code: str, severity: Severity, title_ja: str, title_en: str, *, scope: CheckScope = "plan"
) -> Callable[[Callable[[Check, Plan], Iterable[Finding]]], Check]:
    """Decorator turning ``fn(check, plan) -> findings`` into a :class:`Check` (of ``scope``, see
    :data:`CheckScope`).

    >>> @check("XX001", Severity.INFO, "例", "example")
    ... def example(self, plan):
    ...     return []
    >>> example.code
    'XX001'
    """

    def wrap(fn: Callable[[Check, Plan], Iterable[Finding]]) -> Check:
        holder: list[Check] = []

        def run(plan: Plan) -> Iterable[Finding]:
            return fn(holder[0], plan)

        made = Check(code=code, severity=severity, title_ja=title_ja, title_en=title_en, run=run, scope=scope)
        holder.append(made)
        return made

    return wrap
