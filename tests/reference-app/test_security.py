"""Unit tests of the reference app's exposure rules (app/security.py), with python3 alone.

Run: python3 -m unittest discover -s tests/reference-app -v
(TableOrder.Build.Tests runs this too: Release/ReferenceAppSecurityTests.)
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


if __name__ == "__main__":
    unittest.main()
