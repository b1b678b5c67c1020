"""Unit tests of the reference app's exposure rules (app/security.py), with python3 alone:
health details, the staff token, the staff session cookie, the table key.

Run: python3 -m unittest discover -s tests/reference-app -v
(TableOrder.Build.Tests runs this too: Release/ReferenceAppPythonTests.)
"""
import importlib.util
import pathlib
import unittest

_HERE = pathlib.Path(__file__).resolve().parent
_SOURCE = _HERE.parent.parent / "app-deploy" / "reference-app" / "app" / "security.py"
_spec = importlib.util.spec_from_file_location("tableorder_security", _SOURCE)
security = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(security)

DETAILED_FAILURE = {
    "status": "degraded",
    "database": "ok",
    "redis": "error",
    "release": "abc123",
    "revision": "0002_menu_images_demo_store",
    "failing": ["redis"],
    "errors": {"redis": "ConnectionError: Error 111 connecting to 10.0.0.5:6379 as user app"},
}


class HealthDetails(unittest.TestCase):
    def test_loopback_clients_see_the_details(self):
        for host in ("127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "[::1]"):
            with self.subTest(host=host):
                self.assertEqual(DETAILED_FAILURE, security.health_for(host, DETAILED_FAILURE))

    def test_everyone_else_gets_status_release_and_ok_or_error_without_text(self):
        for host in ("203.0.113.9", "10.0.0.7", "192.168.1.2", "2001:db8::1", "", None, "unknown", "localhost"):
            with self.subTest(host=host):
                body = security.health_for(host, DETAILED_FAILURE)
                self.assertEqual(
                    {"status": "degraded", "release": "abc123", "database": "ok", "redis": "error"}, body)
                self.assertNotIn("10.0.0.5", repr(body))

    def test_a_healthy_public_answer_is_ok(self):
        healthy = {"status": "ok", "database": "ok", "redis": "ok", "release": "r1", "revision": "0002"}
        self.assertEqual(
            {"status": "ok", "release": "r1", "database": "ok", "redis": "ok"},
            security.health_for("198.51.100.1", healthy))

    def test_the_public_fields_are_what_the_smoke_check_reads(self):
        self.assertEqual(("status", "release", "database", "redis"), security.PUBLIC_HEALTH_FIELDS)
        self.assertEqual(set(security.PUBLIC_HEALTH_FIELDS), set(security.public_health(DETAILED_FAILURE)))


class StaffToken(unittest.TestCase):
    def test_the_right_bearer_token_passes(self):
        self.assertTrue(security.staff_token_ok("Bearer s3cret-token", "s3cret-token"))
        self.assertTrue(security.staff_token_ok("bearer  s3cret-token ", "s3cret-token"))

    def test_anything_else_is_refused(self):
        for header in (None, "", "Bearer", "Bearer ", "Basic czNjcmV0", "Bearer wrong", "s3cret-token", "Bearer s3cret-token2"):
            with self.subTest(header=header):
                self.assertFalse(security.staff_token_ok(header, "s3cret-token"))

    def test_without_a_configured_token_nobody_publishes(self):
        self.assertFalse(security.staff_token_ok("Bearer ", ""))
        self.assertFalse(security.staff_token_ok("Bearer x", None))

    def test_the_comparison_is_constant_time(self):
        import inspect
        self.assertIn("hmac.compare_digest", inspect.getsource(security.staff_token_ok))


class StaffSession(unittest.TestCase):
    NOW = 1_800_000_000

    def test_a_session_made_with_the_token_passes_until_it_expires(self):
        value = security.staff_session_value("s3cret-token", self.NOW)
        self.assertTrue(security.staff_session_ok(value, "s3cret-token", self.NOW + 60))
        self.assertFalse(security.staff_session_ok(value, "s3cret-token", self.NOW + security.STAFF_SESSION_SECONDS))
        self.assertNotIn("s3cret-token", value)

    def test_a_new_staff_token_ends_every_session(self):
        value = security.staff_session_value("old-token", self.NOW)
        self.assertFalse(security.staff_session_ok(value, "new-token", self.NOW + 1))

    def test_a_forged_or_stretched_session_is_refused(self):
        value = security.staff_session_value("s3cret-token", self.NOW)
        _, expires, mac = value.split(".")
        stretched = "v1.%d.%s" % (int(expires) + 86400, mac)
        flipped = value[:-1] + ("0" if value[-1] != "0" else "1")
        for forged in (stretched, flipped, "", None, "v1.1.abc", value + " x", "v2" + value[2:]):
            with self.subTest(forged=forged):
                self.assertFalse(security.staff_session_ok(forged, "s3cret-token", self.NOW + 1))

    def test_without_a_configured_token_nobody_has_a_session(self):
        value = security.staff_session_value("s3cret-token", self.NOW)
        self.assertFalse(security.staff_session_ok(value, None, self.NOW + 1))
        self.assertFalse(security.staff_session_ok(value, "", self.NOW + 1))

    def test_the_cookie_is_http_only_strict_for_the_api_and_secure_over_https(self):
        plain = security.staff_cookie_attributes(https=False)
        self.assertEqual(
            {"max_age": security.STAFF_SESSION_SECONDS, "path": "/api/", "httponly": True, "samesite": "strict", "secure": False},
            plain)
        self.assertTrue(security.staff_cookie_attributes(https=True)["secure"])

    def test_the_comparison_is_constant_time(self):
        import inspect
        self.assertIn("hmac.compare_digest", inspect.getsource(security.staff_session_ok))


class TableKey(unittest.TestCase):
    def test_the_key_names_its_session_and_is_checked_against_it(self):
        key = security.table_key("s3cret-token", 1, 3, 42)
        self.assertRegex(key, r"^42-[0-9a-f]{32}$")
        self.assertEqual(42, security.table_key_session(key))
        self.assertTrue(security.table_key_ok(key, "s3cret-token", 1, 3, 42))

    def test_another_table_or_session_cannot_use_it(self):
        key = security.table_key("s3cret-token", 1, 3, 42)
        self.assertFalse(security.table_key_ok(key, "s3cret-token", 1, 4, 42))
        self.assertFalse(security.table_key_ok(key, "s3cret-token", 2, 3, 42))
        self.assertFalse(security.table_key_ok(key.replace("42-", "43-"), "s3cret-token", 1, 3, 43))
        self.assertFalse(security.table_key_ok(key, "new-token", 1, 3, 42))
        self.assertNotEqual(security.table_key("s3cret-token", 1, 3, 43)[3:], key[3:])

    def test_malformed_keys_name_no_session(self):
        for key in (None, "", "42", "x-" + "a" * 32, "42-" + "a" * 31, "0-" + "a" * 32, "42-" + "A" * 32):
            with self.subTest(key=key):
                self.assertIsNone(security.table_key_session(key))

    def test_without_a_secret_there_is_no_key(self):
        self.assertIsNone(security.table_key(None, 1, 3, 42))
        self.assertFalse(security.table_key_ok("42-" + "a" * 32, None, 1, 3, 42))


if __name__ == "__main__":
    unittest.main()
