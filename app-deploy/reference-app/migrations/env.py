"""Alembic environment for the Table Order reference app.

The database URL comes from the DATABASE_URL environment variable only (it is
deliberately not in alembic.ini, so no secret sits in a file of the release).
Run from the release folder:  DATABASE_URL=postgresql://... alembic upgrade head
"""
import logging
import os
import sys

from alembic import context
from sqlalchemy import create_engine, pool

# alembic.ini sets prepend_sys_path = . ; make sure the release folder is
# importable even when alembic is run with -c from elsewhere.
_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from app.models import metadata as target_metadata  # noqa: E402
from app.settings import mask_url, normalize_database_url  # noqa: E402

config = context.config

if config.config_file_name is not None:
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)

log = logging.getLogger("alembic.env")


def _database_url() -> str:
    url = (os.environ.get("DATABASE_URL") or "").strip()
    if not url:
        sys.stderr.write(
            "ERROR: DATABASE_URL is not set.\n"
            "alembic.ini holds no database URL on purpose; export it first, e.g.\n"
            "  DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/DBNAME alembic upgrade head\n"
            "(on the server: set -a; . /etc/tableorder/app.env; set +a)\n"
        )
        raise SystemExit(2)
    return normalize_database_url(url)


def run_migrations_offline() -> None:
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _database_url()
    log.info("Migrating database %s", mask_url(url))
    connect_args = {}
    if url.startswith("postgresql"):
        connect_args["connect_timeout"] = int(float(os.environ.get("DB_CONNECT_TIMEOUT", "10")))
        connect_args["application_name"] = "tableorder-alembic"
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
