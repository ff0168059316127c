"""Where a batch of handoff events is evaluated: in this process, streaming (``local``), or on a cluster.

Every engine runs the same kernel on Arrow record batches
(:func:`~zaitaku_core.handoff.engines.arrow.evaluate_arrow`), so their results are identical:

* :mod:`~zaitaku_core.handoff.engines.local` streams a CSV or Parquet input batch by batch into a CSV or
  Parquet output, memory bounded by the batch size;
* :mod:`~zaitaku_core.handoff.engines.dask` maps the kernel over the partitions of a Parquet dataset on a
  Dask cluster (``pip install 'zaitaku-core[dask]'``) and writes a partitioned Parquet result;
* :mod:`~zaitaku_core.handoff.engines.spark` runs it inside Spark with ``DataFrame.mapInArrow``
  (``pip install 'zaitaku-core[spark]'``).

Dask and Spark are optional: they are imported only by their own engine module, never by the core.
"""

#: The engines ``zaitaku handoff-batch --engine`` accepts (Spark runs a script of yours: see the docs).
ENGINES = ("local", "dask")
