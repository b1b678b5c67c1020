"""The rehearsal's AWS calls that matter when an apply fails: one line each in moto's log.

A client that got no answer (a reset connection, a timeout) sends the same call again, and a call
that is not idempotent on AWS (AuthorizeSecurityGroupIngress, say) then fails with a duplicate
error that hides the first attempt. So a retried call (the SDKs' `amz-sdk-request: attempt=N`
header, N > 1), a call answered with 5xx and a slow call are logged with the SDK's invocation id,
which is the same for every attempt of one call. Ordinary calls are not logged (the log would
bury these).
"""

import re
import sys
import time
from typing import Any, Callable, Iterable

SLOW_SECONDS = 15.0

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

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.monotonic()
        attempt = attempt_of(environ)
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, *rest: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *rest)

        if attempt > 1:
            self.line(f"retried call (attempt {attempt}): {describe(environ)}")
        try:
            return self.app(environ, recording_start_response)
        finally:
            seconds = time.monotonic() - started
            code = status[0].split(" ", 1)[0] if status else "none"
            if code.startswith("5") or code == "none" or seconds >= self.slow_seconds:
                self.line(f"call answered {code} after {seconds:.1f}s: {describe(environ)}")

    def line(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {text}", file=self.out, flush=True)
