"""The validation catalogue: checks with stable codes that read a :class:`~zaitaku_core.model.Plan`.

A :class:`Check` is data plus one pure function from a plan to findings. The core's catalogue and the
checks of plugins reach the registry through the same hook (``zaitaku_validation_checks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from zaitaku_core.model import Finding, Plan, Severity

__all__ = ["Check", "check"]


@attrs.frozen
class Check:
    """One check of the catalogue.

    Attributes:
        code: Stable code (``ZK001`` style: 1–4 capital letters and three digits), unique in the catalogue.
        severity: The severity of the findings it reports.
        title_ja: What it checks, in Japanese.
        title_en: What it checks, in English.
        run: A pure function from a plan to the findings.
    """

    code: str
    severity: Severity
    title_ja: str
    title_en: str
    run: Callable[[Plan], Iterable[Finding]]

    def finding(
        self,
        plan: Plan,
        message_ja: str,
        message_en: str,
        *,
        program: str | None = None,
        field: str | None = None,
    ) -> Finding:
        """A finding of this check about ``plan`` (and optionally one program and field)."""
        return Finding(
            code=self.code,
            severity=self.severity,
            message_ja=message_ja,
            message_en=message_en,
            city=plan.city.id,
            program=program,
            field=field,
        )


def check(
    code: str, severity: Severity, title_ja: str, title_en: str
) -> Callable[[Callable[[Check, Plan], Iterable[Finding]]], Check]:
    """Decorator turning ``fn(check, plan) -> findings`` into a :class:`Check`.

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

        made = Check(code=code, severity=severity, title_ja=title_ja, title_en=title_en, run=run)
        holder.append(made)
        return made

    return wrap
