"""The rules of an order: what a customer may ask for, what it costs, how staff move it on.

Pure functions over plain values (no FastAPI or SQLAlchemy import), so they are tested with
python3 alone (tests/reference-app/test_ordering.py). app/orders.py applies them to the database.
"""
import datetime
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

# Bounds of one order: a table orders a few dishes at a time, never thousands.
MAX_LINES = 20
MAX_QUANTITY = 20
MAX_NOTE_LENGTH = 200
MAX_BODY_BYTES = 16 * 1024
# orders.total_amount is a PostgreSQL integer
MAX_TOTAL = 2_147_483_647

# pending -> accepted -> preparing -> served; cancelled from any state before served.
TRANSITIONS: Dict[str, Tuple[str, ...]] = {
    "pending": ("accepted", "cancelled"),
    "accepted": ("preparing", "cancelled"),
    "preparing": ("served", "cancelled"),
    "served": (),
    "cancelled": (),
}
OPEN_STATUSES = ("pending", "accepted", "preparing")

ORDER_NUMBER_RE = re.compile(r"(\d{8})-(\d{4,})")


class OrderRejected(ValueError):
    """The order cannot be taken as asked; ``detail`` names the field and what is allowed."""

    def __init__(self, detail: str, status: int = 422):
        super().__init__(detail)
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class OrderLine:
    menu_id: int
    quantity: int


@dataclass(frozen=True)
class OrderRequest:
    table_number: int
    lines: Tuple[OrderLine, ...]
    note: Optional[str]


@dataclass(frozen=True)
class MenuOffer:
    """What the store's menu says of one item when the order is taken."""

    id: int
    name: str
    price: int
    available: bool


@dataclass(frozen=True)
class PricedLine:
    menu_id: int
    name: str
    unit_price: int
    quantity: int


def _whole_number(value: Any) -> bool:
    # JSON true/false arrive as bool, a subclass of int: not a number of dishes.
    return isinstance(value, int) and not isinstance(value, bool)


def _bounded(value: Any, field: str, low: int, high: Optional[int] = None) -> int:
    if not _whole_number(value) or value < low or (high is not None and value > high):
        allowed = "a whole number from %d to %d" % (low, high) if high is not None else "a whole number from %d" % low
        raise OrderRejected("%s must be %s" % (field, allowed))
    return value


def parse_order_request(body: Any) -> OrderRequest:
    """A customer's order as sent: ``{"table_number": 3, "items": [{"menu_id": 1, "quantity": 2}], "note": "..."}``.

    The same dish twice is one line with the quantities added (still at most MAX_QUANTITY).
    """
    if not isinstance(body, dict):
        raise OrderRejected("the body must be a JSON object with table_number and items", status=400)
    unknown = sorted(set(body) - {"table_number", "items", "note"})
    if unknown:
        raise OrderRejected("unknown field(s): %s (allowed: table_number, items, note)" % ", ".join(unknown))
    table_number = _bounded(body.get("table_number"), "table_number", 1)
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise OrderRejected("items must be a list of 1 to %d {menu_id, quantity} objects" % MAX_LINES)
    if len(items) > MAX_LINES:
        raise OrderRejected("items must be a list of 1 to %d {menu_id, quantity} objects" % MAX_LINES)
    quantities: Dict[int, int] = {}
    for index, item in enumerate(items):
        field = "items[%d]" % index
        if not isinstance(item, dict) or set(item) - {"menu_id", "quantity"}:
            raise OrderRejected("%s must be an object {menu_id, quantity}" % field)
        menu_id = _bounded(item.get("menu_id"), field + ".menu_id", 1)
        quantity = _bounded(item.get("quantity", 1), field + ".quantity", 1, MAX_QUANTITY)
        quantities[menu_id] = quantities.get(menu_id, 0) + quantity
        if quantities[menu_id] > MAX_QUANTITY:
            raise OrderRejected("menu item %d: at most %d in one order" % (menu_id, MAX_QUANTITY))
    note = body.get("note")
    if note is not None:
        if not isinstance(note, str):
            raise OrderRejected("note must be text")
        note = note.strip() or None
        if note is not None and len(note) > MAX_NOTE_LENGTH:
            raise OrderRejected("note must be at most %d characters" % MAX_NOTE_LENGTH)
    lines = tuple(OrderLine(menu_id, quantity) for menu_id, quantity in quantities.items())
    return OrderRequest(table_number=table_number, lines=lines, note=note)


def price_order(request: OrderRequest, offers: Mapping[int, MenuOffer]) -> Tuple[List[PricedLine], int]:
    """Each line against the store's menu (``offers``: only this store's items): its name and price now, and the total."""
    priced: List[PricedLine] = []
    for line in request.lines:
        offer = offers.get(line.menu_id)
        if offer is None:
            raise OrderRejected("menu item %d is not on this store's menu" % line.menu_id)
        if not offer.available:
            raise OrderRejected("menu item %d (%s) is not available now" % (line.menu_id, offer.name))
        priced.append(PricedLine(offer.id, offer.name, offer.price, line.quantity))
    total = sum(p.unit_price * p.quantity for p in priced)
    if total > MAX_TOTAL:
        raise OrderRejected("the order's total is too large")
    return priced, total


def allowed_next(status: str) -> Tuple[str, ...]:
    """The states staff may move an order to from ``status`` (none for an unknown one)."""
    return TRANSITIONS.get(status, ())


def check_transition(current: str, target: Any) -> str:
    """The target state when staff may move an order there; OrderRejected (400 unknown, 409 refused) otherwise."""
    if not isinstance(target, str) or target not in TRANSITIONS:
        raise OrderRejected("status must be one of: %s" % ", ".join(TRANSITIONS), status=400)
    if target not in allowed_next(current):
        allowed = ", ".join(allowed_next(current)) or "nothing (it is final)"
        raise OrderRejected("an order that is %s cannot become %s; it may become %s" % (current, target, allowed), status=409)
    return target


def order_number_prefix(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def next_order_number(day: datetime.date, existing: Iterable[str]) -> str:
    """``YYYYMMDD-NNNN``: the store's day (its own time zone) and one more than that day's highest number."""
    prefix = order_number_prefix(day)
    highest = 0
    for number in existing:
        match = ORDER_NUMBER_RE.fullmatch(number or "")
        if match and match.group(1) == prefix:
            highest = max(highest, int(match.group(2)))
    return "%s-%04d" % (prefix, highest + 1)


def order_view(order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """What staff and the ordering table see of an order (events and API answers alike)."""
    status = order["status"]
    return {
        "id": order["id"],
        "store_id": order["store_id"],
        "table_number": order["table_number"],
        "order_number": order["order_number"],
        "status": status,
        "next": list(allowed_next(status)),
        "total_amount": order["total_amount"],
        "note": order.get("note"),
        "items": [
            {"menu_id": i.get("menu_id"), "name": i["name"], "unit_price": i["unit_price"], "quantity": i["quantity"]}
            for i in items
        ],
        "created_at": order.get("created_at"),
    }
