"""Settings read from the environment (on the server: /etc/tableorder/app.env).

Nothing here logs or returns a secret: use ``mask_url`` before printing a URL.
"""
import os
from pathlib import Path
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit, urlunsplit


def _env(name: str, default: Optional[str] = None) -> Optional[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip()
    return value if value else default


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        return default


def normalize_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and pin the psycopg2 driver.

    SQLAlchemy 1.4+ rejects the ``postgres://`` scheme that some tools emit.
    Query parameters (e.g. ``?sslmode=require``) are passed on to libpq as is.
    """
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


def mask_url(url: Optional[str]) -> str:
    """Return the URL with its password replaced by ***, safe to log."""
    if not url:
        return "<unset>"
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        if ":" in host:  # IPv6 literal
            host = "[" + host + "]"
        netloc = "%s:***@%s" % (user, host)
        if parts.port is not None:
            netloc += ":%d" % parts.port
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "<unparseable url>"


@dataclass(frozen=True)
class Settings:
    database_url: Optional[str]
    redis_url: Optional[str]
    redis_ca_file: Optional[str]
    release_id: str
    s3_bucket: Optional[str]
    s3_region: Optional[str]
    db_connect_timeout: float
    redis_connect_timeout: float
    health_timeout: float
    sse_keepalive_seconds: float
    # local, production, ...; production turns the API docs off.
    environment: str = "local"
    # Bearer token for publishing events (STAFF_TOKEN); kept out of repr so it is never printed.
    staff_token: Optional[str] = field(default=None, repr=False)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=_env("DATABASE_URL"),
            redis_url=_env("REDIS_URL"),
            redis_ca_file=_env("REDIS_CA_FILE"),
            release_id=_env("RELEASE_ID", "") or _release_file() or "unknown",
            s3_bucket=_env("S3_BUCKET") or _env("S3_BUCKET_NAME"),
            s3_region=_env("S3_REGION") or _env("AWS_REGION") or _env("AWS_DEFAULT_REGION"),
            db_connect_timeout=_env_float("DB_CONNECT_TIMEOUT", 3.0),
            redis_connect_timeout=_env_float("REDIS_CONNECT_TIMEOUT", 2.0),
            health_timeout=_env_float("HEALTH_TIMEOUT", 3.0),
            sse_keepalive_seconds=_env_float("SSE_KEEPALIVE_SECONDS", 15.0),
            environment=(_env("TABLEORDER_ENVIRONMENT", "local") or "local").lower(),
            staff_token=_env("STAFF_TOKEN"),
        )

    def redis_tls_options(self) -> dict:
        """redis-py keyword arguments for the TLS of a ``rediss://`` URL (none for ``redis://``).

        The server certificate is always verified, host name included: against
        REDIS_CA_FILE when set (the local stack's own CA), else against the system's
        CA store (ElastiCache's certificates are publicly trusted).
        """
        if not self.redis_url or not self.redis_url.startswith("rediss://"):
            return {}
        options = {"ssl_cert_reqs": "required", "ssl_check_hostname": True}
        if self.redis_ca_file:
            options["ssl_ca_certs"] = self.redis_ca_file
        return options

    def image_url(self, key: Optional[str]) -> Optional[str]:
        """Public S3 URL for a menu image key (string formatting only, no AWS call)."""
        if not key or not self.s3_bucket:
            return None
        if self.s3_region:
            return "https://%s.s3.%s.amazonaws.com/%s" % (self.s3_bucket, self.s3_region, key)
        return "https://%s.s3.amazonaws.com/%s" % (self.s3_bucket, key)


def _release_file() -> str:
    """The deploy writes RELEASE_ID into the release folder; the app runs from it (current/)."""
    for folder in (Path.cwd(), Path(__file__).resolve().parent.parent):
        candidate = folder / "RELEASE_ID"
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8").strip()
    return ""
