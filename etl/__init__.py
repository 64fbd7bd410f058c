"""The ETL: exactly-once, crash-safe archiving of the operational history into Parquet.

Start with :func:`etl.run.run_once`; the archive format itself is :mod:`warehouse.archive`.
"""
