"""The activity log: what a city's program did, dated and counted, from which indicator actuals are computed.

A centre records its meetings, trainings, lectures, events, consultations and publications, each an
:class:`Activity` of a program of the plan. The log keeps them in a database (SQLite by default,
PostgreSQL by URL) through SQLAlchemy Core, with its schema kept by Alembic; files are imported whole or
not at all (:mod:`zaitaku_core.activity.reader`), re-imports change nothing, and nothing personal is
accepted: a consultation carries at most an opaque case id.

This package imports no database code: :mod:`~zaitaku_core.activity.vocabulary` and
:mod:`~zaitaku_core.activity.record` are pure; :mod:`~zaitaku_core.activity.store` needs the ``log``
extra (``pip install 'zaitaku-core[log]'``).
"""

from __future__ import annotations

from zaitaku_core.activity.record import Activity, check_free_text, check_opaque_id, looks_personal
from zaitaku_core.activity.vocabulary import ActivityKind, Asker, ChangeAction, Profession

__all__ = [
    "Activity",
    "ActivityKind",
    "Asker",
    "ChangeAction",
    "Profession",
    "check_free_text",
    "check_opaque_id",
    "looks_personal",
]
