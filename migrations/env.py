"""Alembic environment: the target metadata is the warehouse schema.

Run through ``amoscope db upgrade|downgrade|current``, which passes an open connection in
``config.attributes["connection"]``; the plain ``alembic`` command works too with
``-x url=<database url>``.
"""

from alembic import context
from sqlalchemy import create_engine

from warehouse.schema import metadata

config = context.config


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as new_connection:
        run_migrations(new_connection)
