#!/usr/bin/env python3
"""A bounded client of the local stack through Nginx, for the zero-downtime benchmark.

Loops over /, /admin/ and /api/health on one keep-alive connection (reconnecting as a browser
would when Nginx closes it) and holds one SSE stream open, reconnecting when it ends, as
EventSource does. Stops when the stop file appears and at least --min requests were made, or
at --max requests or --seconds, whichever comes first. Prints one JSON object: requests,
failed (any non-2xx answer or a connection error), the failures seen, and the SSE stream's
reconnects. Sends traffic to 127.0.0.1 only.
"""
import argparse
import http.client
import json
import os
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--stop-file", required=True)
parser.add_argument("--min", type=int, default=1000)
parser.add_argument("--max", type=int, default=50000)
parser.add_argument("--seconds", type=float, default=600)
args = parser.parse_args()

PATHS = ["/", "/admin/", "/api/health"]
deadline = time.monotonic() + args.seconds
done = threading.Event()
sse = {"connects": 0, "ready": 0, "errors": []}


def sse_loop():
    """One stream, reopened whenever it ends: a closed stream is not a failed request."""
    while not done.is_set():
        try:
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            connection.request("GET", "/api/events/benchmark", headers={"Accept": "text/event-stream"})
            response = connection.getresponse()
            if response.status != 200:
                sse["errors"].append("HTTP %d" % response.status)
                response.read()
                time.sleep(0.2)
                continue
            sse["connects"] += 1
            # Blocking reads: a socket file that timed out once can never be read again
            # ("cannot read from timed out object"), which would reconnect the stream every
            # second and leave half-closed streams behind. The app's keepalive comments arrive
            # regularly, and the thread is a daemon: the process ends without it.
            connection.sock.settimeout(None)
            while not done.is_set():
                line = response.fp.readline()
                if not line:
                    break
                if line.startswith(b"event: ready"):
                    sse["ready"] += 1
            connection.close()
        except (OSError, http.client.HTTPException) as error:
            sse["errors"].append(type(error).__name__)
            time.sleep(0.2)


stream = threading.Thread(target=sse_loop, daemon=True)
stream.start()

requests = 0
retried = 0
failures = []
connection = None
while requests < args.max and time.monotonic() < deadline:
    if os.path.exists(args.stop_file) and requests >= args.min:
        break
    path = PATHS[requests % len(PATHS)]
    requests += 1
    for attempt in (1, 2):
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
            if not 200 <= response.status < 300:
                failures.append("%s HTTP %d at %.3f" % (path, response.status, time.time()))
            break
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
            # Nginx closed an idle keep-alive connection (a graceful reload does): a browser
            # retries such a request on a new connection, once, before it was answered.
            connection = None
            retried += 1
            if attempt == 2:
                failures.append("%s %s at %.3f" % (path, type(error).__name__, time.time()))
        except (OSError, http.client.HTTPException) as error:
            connection = None
            failures.append("%s %s at %.3f" % (path, type(error).__name__, time.time()))
            break

done.set()
stream.join(timeout=3)
print(json.dumps({
    "requests": requests,
    "failed": len(failures),
    "failures": failures[:20],
    "retried_on_closed_keepalive": retried,
    "sse_connects": sse["connects"],
    "sse_ready": sse["ready"],
    "sse_errors": sse["errors"][:10],
}))
