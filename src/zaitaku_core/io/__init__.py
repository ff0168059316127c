"""Readers and writers of the files users hand to zaitaku-core and get back (CSV, Parquet, xlsx).

Each format has a module of its own. The tabular ones (:mod:`~zaitaku_core.io.csv`,
:mod:`~zaitaku_core.io.parquet`) stream Arrow record batches, so memory is bounded by the batch size,
not by the file; :mod:`~zaitaku_core.io.events` turns their text or typed columns into the handoff
engine's checked, typed columns.
"""
