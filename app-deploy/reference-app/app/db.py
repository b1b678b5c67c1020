"""Database engine and session handling (sync SQLAlchemy + psycopg2).

SQLAlchemy 2.0 (Debian 13's python3-sqlalchemy), 2.0-style throughout.
The engine is created lazily so the app starts, and /api/health can report
the problem, even when DATABASE_URL is missing or the database is down.
"""
import logging
import threading
from typing import Iterator, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings, mask_url, normalize_database_url

log = logging.getLogger("tableorder.db")

_lock = threading.Lock()
_engine: Optional[Engine] = None
_sessionmaker = None


class DatabaseNotConfigured(RuntimeError):
    pass


def get_engine(settings: Settings) -> Engine:
    global _engine, _sessionmaker
    if _engine is not None:
        return _engine
    with _lock:
        if _engine is None:
            if not settings.database_url:
                raise DatabaseNotConfigured("DATABASE_URL is not set")
            url = normalize_database_url(settings.database_url)
            connect_args = {}
            if url.startswith("postgresql"):
                connect_args = {
                    "connect_timeout": max(1, int(round(settings.db_connect_timeout))),
                    "application_name": "tableorder-api",
                }
            _engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=5,
                pool_timeout=settings.db_connect_timeout,
                pool_recycle=1800,
                connect_args=connect_args,
            )
            _sessionmaker = sessionmaker(bind=_engine, expire_on_commit=False)
            log.info("database engine created for %s", mask_url(url))
    return _engine


def dispose_engine() -> None:
    global _engine, _sessionmaker
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _sessionmaker = None


def new_session(settings: Settings) -> Session:
    """A session of its own (close it): for work done in a worker thread."""
    get_engine(settings)
    return _sessionmaker()


def session_scope(settings: Settings) -> Iterator[Session]:
    """FastAPI dependency body: one session per request, always closed."""
    session = new_session(settings)
    try:
        yield session
    finally:
        session.close()


def check_database(settings: Settings) -> Optional[str]:
    """SELECT 1 and read the alembic revision. Returns the revision (or None
    when the schema has not been migrated). Raises on any failure."""
    engine = get_engine(settings)
    timeout_ms = max(100, int(settings.health_timeout * 1000))
    with engine.connect() as conn:
        is_pg = conn.dialect.name == "postgresql"
        if is_pg:
            # Bound the health queries themselves, not only the connect.
            conn.execute(text("SET LOCAL statement_timeout = %d" % timeout_ms))
        conn.execute(text("SELECT 1")).scalar()
        if is_pg:
            exists = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
            revision = None
            if exists:
                rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
                revision = ",".join(sorted(rows)) or None
        else:
            from sqlalchemy import inspect

            revision = None
            if inspect(conn).has_table("alembic_version"):
                rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
                revision = ",".join(sorted(rows)) or None
        conn.rollback()
    return revision
