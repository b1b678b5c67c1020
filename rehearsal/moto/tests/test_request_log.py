"""Tests of request_log.py: moto's own application behind the middleware, called as an SDK calls it.

Run: python3 -m unittest discover -s rehearsal/moto/tests -v
"""

import io
import os
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

from moto.server import DomainDispatcherApplication, create_backend_app  # noqa: E402
from werkzeug.test import Client  # noqa: E402

from request_log import RequestLog  # noqa: E402

AUTHORIZATION = "AWS4-HMAC-SHA256 Credential=test/20261208/ap-northeast-2/ec2/aws4_request, SignedHeaders=host, Signature=0"


class RequestLogTest(unittest.TestCase):
    def call(self, attempt: int, slow_seconds: float = 60.0) -> str:
        out = io.StringIO()
        client = Client(RequestLog(DomainDispatcherApplication(create_backend_app), out=out, slow_seconds=slow_seconds))
        response = client.post(
            "/",
            data="Action=DescribeVpcs&Version=2016-11-15",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": AUTHORIZATION,
                "amz-sdk-invocation-id": "b7a1c0de-0000-4000-8000-000000000001",
                "amz-sdk-request": f"attempt={attempt}; max=25",
            },
        )
        self.assertEqual(200, response.status_code, response.get_data(as_text=True))
        return out.getvalue()

    def test_a_first_attempt_answered_in_time_is_not_logged(self) -> None:
        self.assertEqual("", self.call(attempt=1))

    def test_a_retried_call_is_logged_with_its_service_and_invocation(self) -> None:
        line = self.call(attempt=2)
        self.assertIn("retried call (attempt 2): service=ec2 POST /", line)
        self.assertIn("invocation=b7a1c0de-0000-4000-8000-000000000001", line)

    def test_a_slow_call_is_logged_with_its_status(self) -> None:
        self.assertIn("call answered 200 after", self.call(attempt=1, slow_seconds=0.0))


if __name__ == "__main__":
    unittest.main()
