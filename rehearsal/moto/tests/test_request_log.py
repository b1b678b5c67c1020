"""Tests of request_log.py: moto's own application behind the middleware, called as an SDK calls it.

Run: python3 -m unittest discover -s rehearsal/moto/tests -v
"""

import io
import os
import re
import pathlib
import sys
import unittest
import uuid

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


class LostAnswerTest(unittest.TestCase):
    """A rule authorized once: its retried attempt gets the first answer, a new call AWS's duplicate error."""

    def setUp(self) -> None:
        self.out = io.StringIO()
        self.client = Client(RequestLog(DomainDispatcherApplication(create_backend_app), out=self.out))
        group = self.post("CreateSecurityGroup", f"GroupName=lost-answer-{uuid.uuid4()}&GroupDescription=test", str(uuid.uuid4()), 1)
        self.group_id = re.search(r"<groupId>(sg-[0-9a-f]+)</groupId>", group.get_data(as_text=True)).group(1)

    def post(self, action: str, parameters: str, invocation: str, attempt: int):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/",
            data=f"Action={action}&Version=2016-11-15&{parameters}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": AUTHORIZATION,
                "amz-sdk-invocation-id": invocation,
                "amz-sdk-request": f"attempt={attempt}; max=25",
            },
        )

    def authorize(self, invocation: str, attempt: int):  # type: ignore[no-untyped-def]
        rule = "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0"
        return self.post("AuthorizeSecurityGroupIngress", f"GroupId={self.group_id}&{rule}", invocation, attempt)

    def test_a_retried_attempt_of_an_answered_call_gets_its_answer_again(self) -> None:
        call = str(uuid.uuid4())
        first = self.authorize(call, 1)
        again = self.authorize(call, 2)

        self.assertEqual(200, first.status_code, first.get_data(as_text=True))
        self.assertEqual((200, first.get_data()), (again.status_code, again.get_data()))
        self.assertIn("retried call (attempt 2, its earlier answer replayed)", self.out.getvalue())

    def test_another_call_for_the_same_rule_is_refused_as_aws_refuses_it(self) -> None:
        self.assertEqual(200, self.authorize(str(uuid.uuid4()), 1).status_code)
        other = self.authorize(str(uuid.uuid4()), 1)

        self.assertEqual(400, other.status_code)
        self.assertIn("InvalidPermission.Duplicate", other.get_data(as_text=True))

    def test_a_retried_attempt_of_a_refused_call_runs_again(self) -> None:
        self.assertEqual(200, self.authorize(str(uuid.uuid4()), 1).status_code)
        call = str(uuid.uuid4())
        refused = self.authorize(call, 1)
        retried = self.authorize(call, 2)

        self.assertEqual((400, 400), (refused.status_code, retried.status_code))
        self.assertIn("retried call (attempt 2): ", self.out.getvalue())


if __name__ == "__main__":
    unittest.main()
