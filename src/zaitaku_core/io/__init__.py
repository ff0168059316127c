"""Readers and writers of the files users hand to zaitaku-core and get back (CSV, Parquet, xlsx).

Each format has a module of its own. The tabular ones (:mod:`~zaitaku_core.io.csv`,
:mod:`~zaitaku_core.io.parquet`) stream Arrow record batches, so memory is bounded by the batch size,
not by the file; :mod:`~zaitaku_core.io.events` turns their text or typed columns into the handoff
engine's checked, typed columns.

The plan workbook and city folders:

* :mod:`zaitaku_core.io.xlsx_schema` — the workbook layout of a city's plan, derived from the models
  (one sheet per kind of record, Japanese headers and help kept in one mapping);
* :mod:`zaitaku_core.io.xlsx_template` — writes that workbook (blank, or filled from a city);
* :mod:`zaitaku_core.io.xlsx_import` — reads it back, validated, with every problem located by sheet and cell;
* :mod:`zaitaku_core.io.xlsx_cells` — a cell's text as typed, from a workbook Excel saved (its escapes
  decoded, its error values told apart), for this reader and the activity log's;
* :mod:`zaitaku_core.io.city_folder` — a city's data folder of TOML files, written atomically.
"""
