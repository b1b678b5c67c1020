"""Redis channel names: the open ones anyone may subscribe to, and the staff ones only the server reaches.

Pure functions (no redis import), tested with python3 alone (tests/reference-app/test_ordering.py).

``GET /api/events/{name}`` subscribes to ``tableorder:{name}`` and nothing else. A store's orders
go to ``tableorder-staff:...``, which no name can reach through that prefix, so the open
subscription can never read them; only the staff stream (staff session or token) does.
"""
import re

PUBLIC_PREFIX = "tableorder:"
STAFF_PREFIX = "tableorder-staff:"

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")


def valid_name(name: str) -> bool:
    """A name the open endpoints take: letters, digits, ``_ . : -``, up to 100 characters."""
    return bool(NAME_RE.fullmatch(name or ""))


def public_channel(name: str) -> str:
    """The Redis channel of an open name (``/api/events/{name}``)."""
    return PUBLIC_PREFIX + name


def staff_orders_channel(store_id: int) -> str:
    """A store's orders for its staff: never an open name's channel."""
    return "%sstore-%d:orders" % (STAFF_PREFIX, store_id)


def table_name(key: str) -> str:
    """The open name of a table's order updates; the key is unguessable, so only that table follows it."""
    return "table-" + key
