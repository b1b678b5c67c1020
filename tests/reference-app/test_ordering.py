"""Unit tests of the reference app's order rules (app/ordering.py) and channel names (app/channels.py),
with python3 alone.

Run: python3 -m unittest discover -s tests/reference-app -v
(TableOrder.Build.Tests runs this too: Release/ReferenceAppPythonTests.)
"""
import datetime
import importlib.util
import pathlib
import unittest

_APP = pathlib.Path(__file__).resolve().parent.parent.parent / "app-deploy" / "reference-app" / "app"


def _load(name):
    spec = importlib.util.spec_from_file_location("tableorder_" + name, _APP / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ordering = _load("ordering")
channels = _load("channels")

MENU = {
    1: ordering.MenuOffer(1, "Bibimbap", 11000, True),
    4: ordering.MenuOffer(4, "Japchae", 8000, True),
    5: ordering.MenuOffer(5, "Pajeon", 9000, False),
}


class OrderRequests(unittest.TestCase):
    def test_a_table_number_and_items_make_an_order(self):
        request = ordering.parse_order_request(
            {"table_number": 3, "items": [{"menu_id": 1, "quantity": 2}, {"menu_id": 4}], "note": "  no onions "})
        self.assertEqual(3, request.table_number)
        self.assertEqual((ordering.OrderLine(1, 2), ordering.OrderLine(4, 1)), request.lines)
        self.assertEqual("no onions", request.note)

    def test_the_same_dish_twice_is_one_line_within_the_bound(self):
        request = ordering.parse_order_request(
            {"table_number": 1, "items": [{"menu_id": 1, "quantity": 2}, {"menu_id": 1, "quantity": 3}]})
        self.assertEqual((ordering.OrderLine(1, 5),), request.lines)
        with self.assertRaises(ordering.OrderRejected) as too_many:
            ordering.parse_order_request(
                {"table_number": 1, "items": [{"menu_id": 1, "quantity": 15}, {"menu_id": 1, "quantity": 6}]})
        self.assertIn("at most 20", too_many.exception.detail)

    def test_what_is_not_an_object_is_a_bad_request(self):
        for body in (None, [], "order", 3):
            with self.subTest(body=body):
                with self.assertRaises(ordering.OrderRejected) as rejected:
                    ordering.parse_order_request(body)
                self.assertEqual(400, rejected.exception.status)

    def test_each_wrong_field_is_named(self):
        cases = [
            ({"items": [{"menu_id": 1}]}, "table_number"),
            ({"table_number": 0, "items": [{"menu_id": 1}]}, "table_number"),
            ({"table_number": True, "items": [{"menu_id": 1}]}, "table_number"),
            ({"table_number": "2", "items": [{"menu_id": 1}]}, "table_number"),
            ({"table_number": 2}, "items"),
            ({"table_number": 2, "items": []}, "items"),
            ({"table_number": 2, "items": [{"menu_id": i} for i in range(1, 22)]}, "items"),
            ({"table_number": 2, "items": [5]}, "items[0]"),
            ({"table_number": 2, "items": [{"menu_id": 1, "price": 1}]}, "items[0]"),
            ({"table_number": 2, "items": [{"menu_id": -1}]}, "items[0].menu_id"),
            ({"table_number": 2, "items": [{"menu_id": 1, "quantity": 0}]}, "items[0].quantity"),
            ({"table_number": 2, "items": [{"menu_id": 1, "quantity": 21}]}, "items[0].quantity"),
            ({"table_number": 2, "items": [{"menu_id": 1, "quantity": 1.5}]}, "items[0].quantity"),
            ({"table_number": 2, "items": [{"menu_id": 1}], "note": 7}, "note"),
            ({"table_number": 2, "items": [{"menu_id": 1}], "note": "x" * 201}, "note"),
            ({"table_number": 2, "items": [{"menu_id": 1}], "status": "served"}, "status"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                with self.assertRaises(ordering.OrderRejected) as rejected:
                    ordering.parse_order_request(body)
                self.assertEqual(422, rejected.exception.status)
                self.assertIn(field, rejected.exception.detail)

    def test_a_customer_cannot_mark_or_hide_an_order(self):
        # Only table_number, items and note are taken: no status, no flag that would hide the order.
        with self.assertRaises(ordering.OrderRejected):
            ordering.parse_order_request({"table_number": 2, "items": [{"menu_id": 1}], "smoke": True})


class Pricing(unittest.TestCase):
    def test_lines_take_the_menus_name_and_price_now(self):
        request = ordering.parse_order_request({"table_number": 1, "items": [{"menu_id": 1, "quantity": 2}, {"menu_id": 4}]})
        priced, total = ordering.price_order(request, MENU)
        self.assertEqual([ordering.PricedLine(1, "Bibimbap", 11000, 2), ordering.PricedLine(4, "Japchae", 8000, 1)], priced)
        self.assertEqual(30000, total)

    def test_an_item_of_another_store_or_unavailable_is_refused(self):
        for menu_id, words in ((99, "not on this store's menu"), (5, "not available")):
            with self.subTest(menu_id=menu_id):
                request = ordering.parse_order_request({"table_number": 1, "items": [{"menu_id": menu_id}]})
                with self.assertRaises(ordering.OrderRejected) as rejected:
                    ordering.price_order(request, MENU)
                self.assertIn(words, rejected.exception.detail)
                self.assertEqual(422, rejected.exception.status)

    def test_a_total_beyond_the_column_is_refused(self):
        expensive = {1: ordering.MenuOffer(1, "Gold", 2_000_000_000, True)}
        request = ordering.parse_order_request({"table_number": 1, "items": [{"menu_id": 1, "quantity": 2}]})
        with self.assertRaises(ordering.OrderRejected):
            ordering.price_order(request, expensive)


class Transitions(unittest.TestCase):
    def test_an_order_moves_forward_one_step_at_a_time(self):
        path = ["pending", "accepted", "preparing", "served"]
        for current, target in zip(path, path[1:]):
            with self.subTest(current=current):
                self.assertEqual(target, ordering.check_transition(current, target))

    def test_cancelled_is_allowed_until_served(self):
        for current in ("pending", "accepted", "preparing"):
            self.assertEqual("cancelled", ordering.check_transition(current, "cancelled"))

    def test_every_other_move_is_refused_with_409_and_what_is_allowed(self):
        states = list(ordering.TRANSITIONS)
        allowed = {("pending", "accepted"), ("accepted", "preparing"), ("preparing", "served"),
                   ("pending", "cancelled"), ("accepted", "cancelled"), ("preparing", "cancelled")}
        for current in states:
            for target in states:
                if (current, target) in allowed:
                    continue
                with self.subTest(current=current, target=target):
                    with self.assertRaises(ordering.OrderRejected) as refused:
                        ordering.check_transition(current, target)
                    self.assertEqual(409, refused.exception.status)
                    self.assertIn("cannot become %s" % target, refused.exception.detail)

    def test_an_unknown_state_is_a_bad_request(self):
        for target in ("eaten", None, 3, ""):
            with self.subTest(target=target):
                with self.assertRaises(ordering.OrderRejected) as rejected:
                    ordering.check_transition("pending", target)
                self.assertEqual(400, rejected.exception.status)

    def test_the_view_lists_the_next_states_for_staff(self):
        view = ordering.order_view(
            {"id": 7, "store_id": 1, "table_number": 2, "order_number": "20261207-0001", "status": "accepted",
             "total_amount": 11000, "created_at": "2026-12-07T10:00:00+00:00"},
            [{"menu_id": 1, "name": "Bibimbap", "unit_price": 11000, "quantity": 1}])
        self.assertEqual(["preparing", "cancelled"], view["next"])
        self.assertEqual([], ordering.order_view(dict(view, status="served"), [])["next"])


class OrderNumbers(unittest.TestCase):
    DAY = datetime.date(2026, 12, 7)

    def test_the_first_of_the_day_is_0001(self):
        self.assertEqual("20261207-0001", ordering.next_order_number(self.DAY, []))

    def test_one_more_than_the_days_highest(self):
        existing = ["20261207-0003", "20261207-0010", "20261206-0042", "garbage", None]
        self.assertEqual("20261207-0011", ordering.next_order_number(self.DAY, existing))

    def test_past_9999_the_number_grows(self):
        self.assertEqual("20261207-10000", ordering.next_order_number(self.DAY, ["20261207-9999"]))
        self.assertEqual("20261207-10001", ordering.next_order_number(self.DAY, ["20261207-10000"]))


class Channels(unittest.TestCase):
    def test_no_open_name_reaches_a_staff_channel(self):
        for name in ("store-1", "tableorder-staff:store-1:orders", "-staff:store-1:orders", "x" * 100):
            channel = channels.public_channel(name)
            self.assertTrue(channel.startswith(channels.PUBLIC_PREFIX))
            self.assertFalse(channel.startswith(channels.STAFF_PREFIX))
        self.assertTrue(channels.staff_orders_channel(1).startswith(channels.STAFF_PREFIX))
        self.assertFalse(channels.staff_orders_channel(1).startswith(channels.PUBLIC_PREFIX))

    def test_open_names_are_checked(self):
        self.assertTrue(channels.valid_name("table-12-" + "a" * 32))
        for name in ("", "-x", "a/b", "a b", "x" * 101, "store-1\n"):
            with self.subTest(name=name):
                self.assertFalse(channels.valid_name(name))


if __name__ == "__main__":
    unittest.main()
