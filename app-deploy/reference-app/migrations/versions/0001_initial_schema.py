"""Initial schema: the nine Table Order tables.

Revision ID: 0001_initial_schema
Revises:
Create Date: 2024-01-01 00:00:00

Constraint and index names are spelled out (they match the naming convention
in app/models.py) so this file does not depend on the models module; check
constraint names go through op.f() so the convention does not prefix them twice.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial_schema"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name, nullable=False, default=True):
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.func.now() if default else None,
    )


def upgrade():
    op.create_table(
        "stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(500)),
        sa.Column("phone", sa.String(50)),
        sa.Column("timezone", sa.String(64), nullable=False, server_default=sa.text("'Asia/Seoul'")),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_stores"),
        sa.UniqueConstraint("code", name="uq_stores_code"),
    )

    op.create_table(
        "admin_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer()),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False, server_default=sa.text("'admin'")),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("failed_login_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_admin_users"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_admin_users_store_id_stores", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("username", name="uq_admin_users_username"),
        sa.CheckConstraint(
            "role IN ('superadmin', 'admin', 'staff')", name=op.f("ck_admin_users_role_valid")
        ),
        sa.CheckConstraint(
            "role = 'superadmin' OR store_id IS NOT NULL",
            name=op.f("ck_admin_users_store_required_for_store_roles"),
        ),
    )
    op.create_index("ix_admin_users_store_id", "admin_users", ["store_id"])

    op.create_table(
        "tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("table_number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100)),
        sa.Column("seats", sa.Integer(), nullable=False, server_default=sa.text("4")),
        sa.Column("access_code_hash", sa.String(255)),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tables"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_tables_store_id_stores", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("store_id", "table_number", name="uq_tables_store_id_table_number"),
        sa.CheckConstraint("table_number > 0", name=op.f("ck_tables_table_number_positive")),
        sa.CheckConstraint("seats > 0", name=op.f("ck_tables_seats_positive")),
    )

    op.create_table(
        "table_sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default=sa.text("'active'")),
        _ts("started_at"),
        _ts("ended_at", nullable=True, default=False),
        sa.PrimaryKeyConstraint("id", name="pk_table_sessions"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_table_sessions_store_id_stores", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"], ["tables.id"], name="fk_table_sessions_table_id_tables", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "status IN ('active', 'closed')", name=op.f("ck_table_sessions_status_valid")
        ),
        sa.CheckConstraint(
            "(status = 'active' AND ended_at IS NULL) OR (status = 'closed' AND ended_at IS NOT NULL)",
            name=op.f("ck_table_sessions_ended_matches_status"),
        ),
    )
    op.create_index(
        "uq_table_sessions_one_active_per_table",
        "table_sessions",
        ["table_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
        sqlite_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "ix_table_sessions_store_id_started_at", "table_sessions", ["store_id", "started_at"]
    )

    op.create_table(
        "menu_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_menu_categories"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_menu_categories_store_id_stores", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("store_id", "name", name="uq_menu_categories_store_id_name"),
    )

    op.create_table(
        "menus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("is_available", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("sort_order", sa.Integer(), nullable=False, server_default=sa.text("0")),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_menus"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_menus_store_id_stores", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["menu_categories.id"],
            name="fk_menus_category_id_menu_categories",
        ),
        sa.UniqueConstraint("store_id", "name", name="uq_menus_store_id_name"),
        sa.CheckConstraint("price >= 0", name=op.f("ck_menus_price_non_negative")),
    )
    op.create_index("ix_menus_category_id_sort_order", "menus", ["category_id", "sort_order"])

    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("order_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default=sa.text("'pending'")),
        sa.Column("total_amount", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("note", sa.String(500)),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_orders_store_id_stores", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"], ["tables.id"], name="fk_orders_table_id_tables", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["table_sessions.id"],
            name="fk_orders_session_id_table_sessions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("store_id", "order_number", name="uq_orders_store_id_order_number"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'preparing', 'served', 'cancelled')",
            name=op.f("ck_orders_status_valid"),
        ),
        sa.CheckConstraint("total_amount >= 0", name=op.f("ck_orders_total_non_negative")),
    )
    op.create_index(
        "ix_orders_store_id_status_created_at", "orders", ["store_id", "status", "created_at"]
    )
    op.create_index("ix_orders_session_id", "orders", ["session_id"])
    op.create_index("ix_orders_table_id", "orders", ["table_id"])

    op.create_table(
        "order_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("menu_id", sa.Integer()),
        sa.Column("menu_name", sa.String(200), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_items"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_items_order_id_orders", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["menu_id"], ["menus.id"], name="fk_order_items_menu_id_menus", ondelete="SET NULL"
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_order_items_unit_price_non_negative")),
    )
    op.create_index("ix_order_items_order_id", "order_items", ["order_id"])
    op.create_index("ix_order_items_menu_id", "order_items", ["menu_id"])

    op.create_table(
        "order_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("table_number", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("order_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total_amount", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        _ts("archived_at"),
        sa.PrimaryKeyConstraint("id", name="pk_order_history"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_order_history_store_id_stores", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("order_id", name="uq_order_history_order_id"),
        sa.CheckConstraint("total_amount >= 0", name=op.f("ck_order_history_total_non_negative")),
    )
    op.create_index(
        "ix_order_history_store_id_archived_at", "order_history", ["store_id", "archived_at"]
    )
    op.create_index(
        "ix_order_history_table_id_archived_at", "order_history", ["table_id", "archived_at"]
    )


def downgrade():
    for table in (
        "order_history",
        "order_items",
        "orders",
        "menus",
        "menu_categories",
        "table_sessions",
        "tables",
        "admin_users",
        "stores",
    ):
        op.drop_table(table)
