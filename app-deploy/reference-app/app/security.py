"""Least exposure: who sees health details, who is staff, who may follow a table's orders.

Pure functions over plain values (no FastAPI import), so they are tested with python3 alone
(tests/reference-app/test_security.py).

The client address is the one uvicorn reports. Behind Nginx the service runs with
``--proxy-headers --forwarded-allow-ips 127.0.0.1``: Nginx sets X-Real-IP and appends the peer
to X-Forwarded-For, and uvicorn takes the nearest untrusted address from that list, so a
client that sends ``X-Forwarded-For: 127.0.0.1`` itself is still seen as its own address.
"""
import hashlib
import hmac
import ipaddress
import re
from typing import Any, Dict, Optional

BEARER = "bearer"

# The staff session cookie: EventSource cannot send an Authorization header, so the Admin page
# trades its bearer token for this cookie (POST /api/staff/session) and the staff stream reads it.
STAFF_COOKIE = "tableorder_staff"
STAFF_COOKIE_PATH = "/api/"
STAFF_SESSION_SECONDS = 12 * 3600
_STAFF_SESSION_RE = re.compile(r"v1\.(\d{1,12})\.([0-9a-f]{64})")

# A table's key: the ordering table follows its orders with it (events and reads), other tables
# cannot guess it. "<session id>-<32 hex>" (128 bits of HMAC).
_TABLE_KEY_RE = re.compile(r"([1-9][0-9]{0,18})-([0-9a-f]{32})")

# The fields a public health answer carries (the build's smoke check reads these).
PUBLIC_HEALTH_FIELDS = ("status", "release", "database", "redis")


def is_loopback(host: Optional[str]) -> bool:
    """True only for a loopback address (127.0.0.0/8, ::1, ::ffff:127.x). Unknown is not loopback."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def public_health(body: Dict[str, Any]) -> Dict[str, Any]:
    """What anyone may see: ok or degraded, the release, and each dependency as ok or error."""
    return {
        "status": "ok" if body.get("status") == "ok" else "degraded",
        "release": body.get("release"),
        "database": "ok" if body.get("database") == "ok" else "error",
        "redis": "ok" if body.get("redis") == "ok" else "error",
    }


def health_for(client_host: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
    """Details (revision, failing parts, error text) for loopback clients only."""
    return dict(body) if is_loopback(client_host) else public_health(body)


def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER or not token:
        return None
    return token


def staff_token_ok(authorization: Optional[str], expected: Optional[str]) -> bool:
    """Constant-time comparison; with no STAFF_TOKEN configured nobody may publish."""
    given = bearer_token(authorization)
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _mac(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def staff_session_value(staff_token: str, now: float, lifetime: int = STAFF_SESSION_SECONDS) -> str:
    """The cookie's value: its expiry and an HMAC of it keyed with the staff token.

    Stateless: nothing is stored on the server, every server of a fleet accepts it, and a new
    staff token ends every session made with the old one.
    """
    expires = int(now) + lifetime
    return "v1.%d.%s" % (expires, _mac(staff_token, "tableorder-staff-session:v1:%d" % expires))


def staff_session_ok(value: Optional[str], staff_token: Optional[str], now: float) -> bool:
    """A cookie made with this staff token that has not expired; with no STAFF_TOKEN configured nobody is staff."""
    if not value or not staff_token:
        return False
    match = _STAFF_SESSION_RE.fullmatch(value)
    if not match:
        return False
    expires = int(match.group(1))
    if expires <= now:
        return False
    expected = _mac(staff_token, "tableorder-staff-session:v1:%d" % expires)
    return hmac.compare_digest(match.group(2).encode("ascii"), expected.encode("ascii"))


def staff_cookie_attributes(https: bool, lifetime: int = STAFF_SESSION_SECONDS) -> Dict[str, Any]:
    """Starlette's set_cookie arguments: never readable by scripts, never sent cross-site, only to the API,
    only over HTTPS when the page came over HTTPS."""
    return {
        "max_age": lifetime,
        "path": STAFF_COOKIE_PATH,
        "httponly": True,
        "samesite": "strict",
        "secure": bool(https),
    }


def table_key(secret: Optional[str], store_id: int, table_id: int, session_id: int) -> Optional[str]:
    """The key the ordering table gets for its current session; None without a secret (STAFF_TOKEN)."""
    if not secret:
        return None
    mac = _mac(secret, "tableorder-table-key:v1:%d:%d:%d" % (store_id, table_id, session_id))
    return "%d-%s" % (session_id, mac[:32])


def table_key_session(key: Optional[str]) -> Optional[int]:
    """The session id a key names (not yet proven: check it with table_key_ok), or None for a malformed key."""
    match = _TABLE_KEY_RE.fullmatch(key or "")
    return int(match.group(1)) if match else None


def table_key_ok(key: Optional[str], secret: Optional[str], store_id: int, table_id: int, session_id: int) -> bool:
    expected = table_key(secret, store_id, table_id, session_id)
    if not key or expected is None:
        return False
    return hmac.compare_digest(key.encode("utf-8"), expected.encode("utf-8"))
