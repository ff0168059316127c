"""The handoff engine: who must contact whom, by when, on which form, and what can be billed.

* :func:`evaluate` answers for one event and its contact log (:class:`Verdict`).
* :func:`windows` is the per-event hot path: the window of each national add-on.
* :func:`evaluate_batch` answers for columns of events (NumPy arrays; an Arrow table or a pandas/polars
  frame is accepted too) with exactly the per-event results.
* :func:`apply_monthly_caps` applies the add-ons' monthly and per-stay caps across a subject's events
  (:func:`apply_caps_columns` on batch results).
* :func:`national_addons` lists the national billing rules by revision (data, not code).
"""

from zaitaku_core.handoff.batch import apply_caps_columns, evaluate_batch
from zaitaku_core.handoff.engine import HandoffOptions, apply_monthly_caps, evaluate, windows
from zaitaku_core.handoff.model import (
    AddonVerdict,
    Contact,
    ContactMeans,
    Event,
    Learned,
    Obligation,
    Reason,
    Verdict,
    Window,
)
from zaitaku_core.handoff.rules import Addon, Revision, national_addons

__all__ = [
    "Addon",
    "AddonVerdict",
    "Contact",
    "ContactMeans",
    "Event",
    "HandoffOptions",
    "Learned",
    "Obligation",
    "Reason",
    "Revision",
    "Verdict",
    "Window",
    "apply_caps_columns",
    "apply_monthly_caps",
    "evaluate",
    "evaluate_batch",
    "national_addons",
    "windows",
]
