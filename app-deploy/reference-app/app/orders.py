"""Orders in PostgreSQL: taken from a table, listed and moved on by staff.

Each function is one transaction on its own session (run in a worker thread by app/main.py) and
returns plain dicts; the rules themselves are in app/ordering.py. Orders of a store are taken one
at a time (the store's row is locked for the transaction), so a table's session is opened once
and order numbers never collide.
"""
import datetime
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .models import Menu, MenuCategory, Order, OrderItem, Store, Table, TableSession
from .ordering import (
    OPEN_STATUSES,
    MenuOffer,
    OrderRejected,
    OrderRequest,
    check_transition,
    next_order_number,
    order_number_prefix,
    order_view,
    price_order,
)


@dataclass(frozen=True)
class OrderRecord:
    """An order as staff and its table see it, and where it sits (for the table's key and channel)."""

    view: Dict[str, Any]
    store_id: int
    table_id: int
    session_id: int


def _store_day(timezone: Optional[str], now: datetime.datetime) -> datetime.date:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = datetime.timezone.utc
    return now.astimezone(zone).date()


def _iso(moment: Optional[datetime.datetime]) -> Optional[str]:
    return moment.isoformat() if moment is not None else None


def _record(order: Order, table_number: int) -> OrderRecord:
    view = order_view(
        {
            "id": order.id,
            "store_id": order.store_id,
            "table_number": table_number,
            "order_number": order.order_number,
            "status": order.status,
            "total_amount": order.total_amount,
            "note": order.note,
            "created_at": _iso(order.created_at),
        },
        [
            {"menu_id": i.menu_id, "name": i.menu_name, "unit_price": i.unit_price, "quantity": i.quantity}
            for i in sorted(order.items, key=lambda i: i.id or 0)
        ],
    )
    return OrderRecord(view, order.store_id, order.table_id, order.session_id)


def _lock_store(session: Session, store_id: int) -> Optional[Store]:
    # FOR NO KEY UPDATE (key_share): orders of one store wait for each other, foreign-key checks do not.
    return session.execute(
        select(Store).where(Store.id == store_id).with_for_update(key_share=True)
    ).scalar_one_or_none()


def place_order(session: Session, store_id: int, request: OrderRequest, now: datetime.datetime) -> OrderRecord:
    """Validates the order against the store, its table and menu, stores it, and commits; OrderRejected otherwise."""
    store = _lock_store(session, store_id)
    if store is None or not store.is_active:
        raise OrderRejected("store %d does not take orders" % store_id, status=404)
    table = session.execute(
        select(Table).where(Table.store_id == store_id, Table.table_number == request.table_number)
    ).scalar_one_or_none()
    if table is None or not table.is_active:
        raise OrderRejected("table_number %d is not an active table of this store" % request.table_number)

    rows = session.execute(
        select(Menu, MenuCategory.is_active)
        .join(MenuCategory, Menu.category_id == MenuCategory.id)
        .where(Menu.store_id == store_id, Menu.id.in_([line.menu_id for line in request.lines]))
    ).all()
    offers = {
        menu.id: MenuOffer(menu.id, menu.name, menu.price, bool(menu.is_available and category_active))
        for menu, category_active in rows
    }
    priced, total = price_order(request, offers)

    seating = session.execute(
        select(TableSession).where(TableSession.table_id == table.id, TableSession.status == "active")
    ).scalar_one_or_none()
    if seating is None:
        seating = TableSession(store_id=store_id, table_id=table.id, status="active")
        session.add(seating)
        session.flush()

    day = _store_day(store.timezone, now)
    prefix = order_number_prefix(day)
    latest = session.execute(
        select(Order.order_number)
        .where(Order.store_id == store_id, Order.order_number.like(prefix + "-%"))
        .order_by(func.char_length(Order.order_number).desc(), Order.order_number.desc())
        .limit(1)
    ).scalars().all()
    order = Order(
        store_id=store_id,
        table_id=table.id,
        session_id=seating.id,
        order_number=next_order_number(day, latest),
        status="pending",
        total_amount=total,
        note=request.note,
        items=[
            OrderItem(menu_id=p.menu_id, menu_name=p.name, unit_price=p.unit_price, quantity=p.quantity)
            for p in priced
        ],
    )
    session.add(order)
    session.flush()
    session.refresh(order)
    record = _record(order, table.table_number)
    session.commit()
    return record


def _table_numbers(session: Session, table_ids) -> Dict[int, int]:
    ids = sorted(set(table_ids))
    if not ids:
        return {}
    return dict(session.execute(select(Table.id, Table.table_number).where(Table.id.in_(ids))).all())


def open_orders(session: Session, store_id: int) -> Optional[List[Dict[str, Any]]]:
    """The store's orders not yet served or cancelled, oldest first; None for an unknown store."""
    if session.get(Store, store_id) is None:
        return None
    orders = session.execute(
        select(Order)
        .where(Order.store_id == store_id, Order.status.in_(OPEN_STATUSES))
        .order_by(Order.created_at, Order.id)
        .options(selectinload(Order.items))
    ).scalars().all()
    numbers = _table_numbers(session, (o.table_id for o in orders))
    return [_record(o, numbers[o.table_id]).view for o in orders]


def change_status(session: Session, order_id: int, target: Any) -> OrderRecord:
    """Moves an order to ``target`` when its rules allow it, and commits; OrderRejected otherwise."""
    order = session.execute(
        select(Order).where(Order.id == order_id).with_for_update().options(selectinload(Order.items))
    ).scalar_one_or_none()
    if order is None:
        raise OrderRejected("order %d not found" % order_id, status=404)
    order.status = check_transition(order.status, target)
    session.flush()
    session.refresh(order)
    record = _record(order, _table_numbers(session, [order.table_id])[order.table_id])
    session.commit()
    return record


def delete_order(session: Session, order_id: int) -> OrderRecord:
    """Removes an order (its items with it), and its table session when no other order is in it; commits."""
    store_id = session.execute(select(Order.store_id).where(Order.id == order_id)).scalar_one_or_none()
    if store_id is None or _lock_store(session, store_id) is None:
        raise OrderRejected("order %d not found" % order_id, status=404)
    order = session.execute(
        select(Order).where(Order.id == order_id).with_for_update().options(selectinload(Order.items))
    ).scalar_one_or_none()
    if order is None:
        raise OrderRejected("order %d not found" % order_id, status=404)
    record = _record(order, _table_numbers(session, [order.table_id])[order.table_id])
    session.delete(order)
    session.flush()
    others = session.execute(
        select(func.count()).select_from(Order).where(Order.session_id == record.session_id)
    ).scalar_one()
    if others == 0:
        seating = session.get(TableSession, record.session_id)
        if seating is not None:
            session.delete(seating)
    session.commit()
    return record


def table_session_orders(session: Session, session_id: int) -> Optional[OrderRecord]:
    """Where a table session sits (store, table) with its orders, newest first, as the record's view
    ``{"orders": [...]}``; None for an unknown session."""
    seating = session.get(TableSession, session_id)
    if seating is None:
        return None
    orders = session.execute(
        select(Order)
        .where(Order.session_id == session_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .options(selectinload(Order.items))
    ).scalars().all()
    number = _table_numbers(session, [seating.table_id])[seating.table_id]
    views = [_record(o, number).view for o in orders]
    return OrderRecord({"table_number": number, "orders": views}, seating.store_id, seating.table_id, seating.id)
