"""The nine data models of the Table Order service.

Written for SQLAlchemy 2.0 (Debian 13), in the classic style:
classic ``Column`` declarations on ``declarative_base`` from ``sqlalchemy.orm``,
no ``Mapped[]`` annotations.

The migrations in ``migrations/versions`` create exactly this schema; keep the
two in step (the naming convention below makes constraint names predictable).

Money is stored as integer minor units (e.g. KRW won or cents).
"""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import declarative_base, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base = declarative_base(metadata=metadata)

JSONType = JSON().with_variant(JSONB(), "postgresql")

ADMIN_ROLES = ("superadmin", "admin", "staff")
SESSION_STATUSES = ("active", "closed")
ORDER_STATUSES = ("pending", "accepted", "preparing", "served", "cancelled")


def _in(column: str, values) -> str:
    return "%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values))


def _created_at():
    return Column(DateTime(timezone=True), nullable=False, server_default=func.now())


def _updated_at():
    return Column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class Store(Base):
    __tablename__ = "stores"

    id = Column(Integer, primary_key=True)
    code = Column(String(50), nullable=False, unique=True)  # URL slug, e.g. "demo"
    name = Column(String(200), nullable=False)
    address = Column(String(500))
    phone = Column(String(50))
    timezone = Column(String(64), nullable=False, server_default=text("'Asia/Seoul'"))
    is_active = Column(Boolean, nullable=False, server_default=text("true"))
    created_at = _created_at()
    updated_at = _updated_at()

    admin_users = relationship("AdminUser", back_populates="store")
    tables = relationship("Table", back_populates="store", order_by="Table.table_number")
    categories = relationship(
        "MenuCategory", back_populates="store", order_by="MenuCategory.sort_order"
    )
    menus = relationship("Menu", back_populates="store")


class AdminUser(Base):
    """Store admins/staff (store_id set) and super admins (store_id NULL)."""

    __tablename__ = "admin_users"
    __table_args__ = (
        CheckConstraint(_in("role", ADMIN_ROLES), name="role_valid"),
        CheckConstraint(
            "role = 'superadmin' OR store_id IS NOT NULL", name="store_required_for_store_roles"
        ),
    )

    id = Column(Integer, primary_key=True)
    store_id = Column(Integer, ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    username = Column(String(100), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(20), nullable=False, server_default=text("'admin'"))
    is_active = Column(Boolean, nullable=False, server_default=text("true"))
    failed_login_count = Column(Integer, nullable=False, server_default=text("0"))
    last_login_at = Column(DateTime(timezone=True))
    created_at = _created_at()
    updated_at = _updated_at()

    store = relationship("Store", back_populates="admin_users")


class Table(Base):
    __tablename__ = "tables"
    __table_args__ = (
        UniqueConstraint("store_id", "table_number"),
        CheckConstraint("table_number > 0", name="table_number_positive"),
        CheckConstraint("seats > 0", name="seats_positive"),
    )

    id = Column(Integer, primary_key=True)
    store_id = Column(Integer, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False)
    table_number = Column(Integer, nullable=False)
    label = Column(String(100))
    seats = Column(Integer, nullable=False, server_default=text("4"))
    # Tablet login for the customer UI (hashed, never the raw secret).
    access_code_hash = Column(String(255))
    is_active = Column(Boolean, nullable=False, server_default=text("true"))
    created_at = _created_at()
    updated_at = _updated_at()

    store = relationship("Store", back_populates="tables")
    sessions = relationship("TableSession", back_populates="table")


class TableSession(Base):
    """One seating at a table: from the first order until the admin closes it."""

    __tablename__ = "table_sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SESSION_STATUSES), name="status_valid"),
        CheckConstraint(
            "(status = 'active' AND ended_at IS NULL) OR (status = 'closed' AND ended_at IS NOT NULL)",
            name="ended_matches_status",
        ),
        # At most one open session per table.
        Index(
            "uq_table_sessions_one_active_per_table",
            "table_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index("ix_table_sessions_store_id_started_at", "store_id", "started_at"),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    store_id = Column(Integer, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False)
    table_id = Column(Integer, ForeignKey("tables.id", ondelete="CASCADE"), nullable=False)
    status = Column(String(20), nullable=False, server_default=text("'active'"))
    started_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    ended_at = Column(DateTime(timezone=True))

    table = relationship("Table", back_populates="sessions")
    orders = relationship("Order", back_populates="session")


class MenuCategory(Base):
    __tablename__ = "menu_categories"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    id = Column(Integer, primary_key=True)
    store_id = Column(Integer, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False)
    name = Column(String(100), nullable=False)
    sort_order = Column(Integer, nullable=False, server_default=text("0"))
    is_active = Column(Boolean, nullable=False, server_default=text("true"))
    created_at = _created_at()
    updated_at = _updated_at()

    store = relationship("Store", back_populates="categories")
    menus = relationship("Menu", back_populates="category", order_by="Menu.sort_order")


class Menu(Base):
    __tablename__ = "menus"
    __table_args__ = (
        UniqueConstraint("store_id", "name"),
        CheckConstraint("price >= 0", name="price_non_negative"),
        Index("ix_menus_category_id_sort_order", "category_id", "sort_order"),
        Index("ix_menus_store_id_is_available", "store_id", "is_available"),  # 0002
    )

    id = Column(Integer, primary_key=True)
    store_id = Column(Integer, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False)
    # NO ACTION (checked at end of statement): a category that still has menus
    # cannot be deleted, yet deleting a whole store cascades cleanly.
    category_id = Column(Integer, ForeignKey("menu_categories.id"), nullable=False)
    name = Column(String(200), nullable=False)
    description = Column(Text)
    price = Column(Integer, nullable=False)
    # S3 object key of the menu photo (added in 0002); the URL is built from
    # S3_BUCKET / S3_REGION at read time so a bucket move needs no data change.
    image_key = Column(String(512))
    is_available = Column(Boolean, nullable=False, server_default=text("true"))
    sort_order = Column(Integer, nullable=False, server_default=text("0"))
    created_at = _created_at()
    updated_at = _updated_at()

    store = relationship("Store", back_populates="menus")
    category = relationship("MenuCategory", back_populates="menus")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "order_number"),
        CheckConstraint(_in("status", ORDER_STATUSES), name="status_valid"),
        CheckConstraint("total_amount >= 0", name="total_non_negative"),
        Index("ix_orders_store_id_status_created_at", "store_id", "status", "created_at"),
        Index("ix_orders_session_id", "session_id"),
        Index("ix_orders_table_id", "table_id"),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    store_id = Column(Integer, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False)
    table_id = Column(Integer, ForeignKey("tables.id", ondelete="CASCADE"), nullable=False)
    session_id = Column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("table_sessions.id", ondelete="CASCADE"),
        nullable=False,
    )
    # Human-facing number, unique per store (e.g. "20240101-0007").
    order_number = Column(String(32), nullable=False)
    status = Column(String(20), nullable=False, server_default=text("'pending'"))
    total_amount = Column(Integer, nullable=False, server_default=text("0"))
    note = Column(String(500))
    created_at = _created_at()
    updated_at = _updated_at()

    session = relationship("TableSession", back_populates="orders")
    items = relationship(
        "OrderItem", back_populates="order", cascade="all, delete-orphan", passive_deletes=True
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    order_id = Column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    # SET NULL so deleting a menu keeps past orders; name/price are snapshots.
    menu_id = Column(Integer, ForeignKey("menus.id", ondelete="SET NULL"), index=True)
    menu_name = Column(String(200), nullable=False)
    unit_price = Column(Integer, nullable=False)
    quantity = Column(Integer, nullable=False)

    order = relationship("Order", back_populates="items")


class OrderHistory(Base):
    """Archive of orders of a closed table session (denormalised snapshot).

    When the admin closes a table session its orders are copied here (items as
    JSON) so the live ``orders`` table stays small and the history survives
    menu and table changes.
    """

    __tablename__ = "order_history"
    __table_args__ = (
        CheckConstraint("total_amount >= 0", name="total_non_negative"),
        Index("ix_order_history_store_id_archived_at", "store_id", "archived_at"),
        Index("ix_order_history_table_id_archived_at", "table_id", "archived_at"),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    store_id = Column(Integer, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False)
    # Plain references (no FK): history outlives the table and session rows.
    table_id = Column(Integer, nullable=False)
    table_number = Column(Integer, nullable=False)
    session_id = Column(BigInteger, nullable=False)
    order_id = Column(BigInteger, nullable=False, unique=True)
    order_number = Column(String(32), nullable=False)
    status = Column(String(20), nullable=False)
    total_amount = Column(Integer, nullable=False)
    items = Column(JSONType, nullable=False)
    ordered_at = Column(DateTime(timezone=True), nullable=False)
    archived_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
