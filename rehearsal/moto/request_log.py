"""The rehearsal's AWS calls that matter when an apply fails, and the answer a client did not get.

An SDK that gets no answer to a call (a connection reset under load) sends the same call again, with
the same invocation id (`amz-sdk-invocation-id`) and the next attempt number (`amz-sdk-request:
attempt=N`). Twice in the rehearsal's CI the provider's first attempt of a call that is not
idempotent on AWS (AuthorizeSecurityGroupIngress, RevokeSecurityGroupEgress) had been carried out by
moto, yet the provider tried again and got InvalidPermission.Duplicate / .NotFound: moto's development
server lost the answer, AWS would not have. So a retried attempt of a call whose earlier attempt
moto answered with 2xx gets that answer again instead of a second execution (the SDKs retry a 2xx
only when it never arrived). Other retries run again, as on AWS (throttling, 5xx).

Logged, one line each in moto's log: a retried call (and whether its answer was replayed), a call
answered with 5xx or none, a slow call. Ordinary calls are not logged (the log would bury these).
"""

import collections
import re
import sys
import threading
import time
from typing import Any, Callable, Iterable

SLOW_SECONDS = 15.0
# answers kept for replay: the latest ones, and only small ones (API answers, not S3 objects)
KEPT_ANSWERS = 512
KEPT_ANSWER_BYTES = 256 * 1024

_ATTEMPT = re.compile(r"attempt=(\d+)")
# SigV4's credential scope: <key>/<date>/<region>/<service>/aws4_request
_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


def describe(environ: dict[str, Any]) -> str:
    service = _SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    parts = [
        f"service={service.group(1) if service else '?'}",
        f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}",
    ]
    if target := environ.get("HTTP_X_AMZ_TARGET"):
        parts.append(f"target={target}")
    if invocation := environ.get("HTTP_AMZ_SDK_INVOCATION_ID"):
        parts.append(f"invocation={invocation}")
    return " ".join(parts)


def attempt_of(environ: dict[str, Any]) -> int:
    match = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    return int(match.group(1)) if match else 1


class RequestLog:
    """WSGI middleware around moto's application."""

    def __init__(self, app: Callable[..., Iterable[bytes]], out: Any = None, slow_seconds: float = SLOW_SECONDS) -> None:
        self.app = app
        self.out = out or sys.stderr
        self.slow_seconds = slow_seconds
        self.answers: collections.OrderedDict[str, tuple[str, list[Any], bytes]] = collections.OrderedDict()
        self.answers_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.monotonic()
        attempt = attempt_of(environ)
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if attempt > 1:
            with self.answers_lock:
                answered = self.answers.get(invocation) if invocation else None
            self.line(f"retried call (attempt {attempt}{', its earlier answer replayed' if answered else ''}): {describe(environ)}")
            if answered:
                status, headers, body = answered
                start_response(status, headers)
                return [body]

        answer: list[Any] = []

        def recording_start_response(status: str, headers: Any, *rest: Any) -> Any:
            answer[:] = [status, list(headers)]
            return start_response(status, headers, *rest)

        body = b""
        try:
            body = b"".join(self.app(environ, recording_start_response))
            return [body]
        finally:
            seconds = time.monotonic() - started
            code = answer[0].split(" ", 1)[0] if answer else "none"
            if invocation and code.startswith("2") and len(body) <= KEPT_ANSWER_BYTES:
                self.keep(invocation, (answer[0], answer[1], body))
            if code.startswith("5") or code == "none" or seconds >= self.slow_seconds:
                self.line(f"call answered {code} after {seconds:.1f}s: {describe(environ)}")

    def keep(self, invocation: str, answer: tuple[str, list[Any], bytes]) -> None:
        with self.answers_lock:
            self.answers[invocation] = answer
            while len(self.answers) > KEPT_ANSWERS:
                self.answers.popitem(last=False)

    def line(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {text}", file=self.out, flush=True)
