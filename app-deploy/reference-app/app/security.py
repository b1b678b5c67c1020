"""Least exposure: who sees health details, who may publish events.

Pure functions over plain values (no FastAPI import), so they are tested with python3 alone
(tests/reference-app/test_security.py).

The client address is the one uvicorn reports. Behind Nginx the service runs with
``--proxy-headers --forwarded-allow-ips 127.0.0.1``: Nginx sets X-Real-IP and appends the peer
to X-Forwarded-For, and uvicorn takes the nearest untrusted address from that list, so a
client that sends ``X-Forwarded-For: 127.0.0.1`` itself is still seen as its own address.
"""
import hmac
import ipaddress
from typing import Any, Dict, Optional

BEARER = "bearer"

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
