"""Menu images on S3 + a demo store.

Revision ID: 0002_menu_images_demo_store
Revises: 0001_initial_schema
Create Date: 2024-01-02 00:00:00

* menus.image_key: S3 object key of the menu photo. Only the key is stored;
  the app builds the URL from S3_BUCKET / S3_REGION.
* ix_menus_store_id_is_available: the customer menu query filters on both.
* Seed data: a "demo" store with tables, categories and menus, so a fresh
  deployment has something to show. No admin user is seeded (no credentials
  in migrations).
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_menu_images_demo_store"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None

DEMO_STORE = {
    "code": "demo",
    "name": "Demo Table Order Store",
    "address": "1 Sample Street, Seoul",
    "phone": "+82-2-0000-0000",
}
DEMO_TABLES = [(n, "Table %d" % n, 2 if n <= 2 else 4) for n in range(1, 7)]
DEMO_CATEGORIES = [("Mains", 10), ("Sides", 20), ("Drinks", 30)]
# (category, name, description, price, image_key, sort_order)
DEMO_MENUS = [
    ("Mains", "Bibimbap", "Rice with vegetables, egg and gochujang", 11000, "menus/demo/bibimbap.jpg", 10),
    ("Mains", "Bulgogi", "Marinated grilled beef with rice", 15000, "menus/demo/bulgogi.jpg", 20),
    ("Mains", "Kimchi Jjigae", "Kimchi stew with pork and tofu", 10000, "menus/demo/kimchi-jjigae.jpg", 30),
    ("Sides", "Japchae", "Stir-fried glass noodles", 8000, "menus/demo/japchae.jpg", 10),
    ("Sides", "Pajeon", "Green onion pancake", 9000, None, 20),
    ("Drinks", "Sikhye", "Sweet rice drink", 3000, None, 10),
    ("Drinks", "Barley Tea", "Hot or iced", 2000, None, 20),
]


def upgrade():
    op.add_column("menus", sa.Column("image_key", sa.String(512), nullable=True))
    op.create_index("ix_menus_store_id_is_available", "menus", ["store_id", "is_available"])

    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO stores (code, name, address, phone) "
            "VALUES (:code, :name, :address, :phone)"
        ),
        DEMO_STORE,
    )
    store_id = bind.execute(
        sa.text("SELECT id FROM stores WHERE code = :code"), {"code": DEMO_STORE["code"]}
    ).scalar()

    for number, label, seats in DEMO_TABLES:
        bind.execute(
            sa.text(
                "INSERT INTO tables (store_id, table_number, label, seats) "
                "VALUES (:store_id, :number, :label, :seats)"
            ),
            {"store_id": store_id, "number": number, "label": label, "seats": seats},
        )

    category_ids = {}
    for name, sort_order in DEMO_CATEGORIES:
        bind.execute(
            sa.text(
                "INSERT INTO menu_categories (store_id, name, sort_order) "
                "VALUES (:store_id, :name, :sort_order)"
            ),
            {"store_id": store_id, "name": name, "sort_order": sort_order},
        )
        category_ids[name] = bind.execute(
            sa.text("SELECT id FROM menu_categories WHERE store_id = :store_id AND name = :name"),
            {"store_id": store_id, "name": name},
        ).scalar()

    for category, name, description, price, image_key, sort_order in DEMO_MENUS:
        bind.execute(
            sa.text(
                "INSERT INTO menus (store_id, category_id, name, description, price, image_key, sort_order) "
                "VALUES (:store_id, :category_id, :name, :description, :price, :image_key, :sort_order)"
            ),
            {
                "store_id": store_id,
                "category_id": category_ids[category],
                "name": name,
                "description": description,
                "price": price,
                "image_key": image_key,
                "sort_order": sort_order,
            },
        )


def downgrade():
    # Cascades to the demo store's tables, categories and menus.
    op.execute(sa.text("DELETE FROM stores WHERE code = 'demo'"))
    op.drop_index("ix_menus_store_id_is_available", table_name="menus")
    op.drop_column("menus", "image_key")
