#!/usr/bin/env bash
# Scale-out benchmark: a 3-machine local stack behind HAProxy (--servers=3). A bounded client loop
# through HAProxy (at least 2,000 requests over /, /admin/ and /api/health, plus one open SSE
# stream) runs while the build
#   (a) rolls a changed app out across the 3 machines (Deploy: Activate drains, switches and
#       readies one machine at a time),
#   (b) rolls back to the previous release the same way.
# For each it reports the failed requests, the SSE reconnects, the roll-out time (the task's
# seconds) and the release every machine serves afterwards (Status's per-server data in
# last-run.json), and exits 1 if any request failed or any machine is on another release.
# Usage: sudo bash benchmarks/scale-out-benchmark.sh [output.md]    (runs in its own stack)
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_stack scale-out "${1:-}"

# the releases every machine serves, from Status's per-server data: "app-1=<id> app-2=<id> ..."
machines() {
    build --target=Status >"$work/status.log" 2>&1 || { tail -n 30 "$work/status.log" >&2; exit 1; }
    python3 -c 'import json, sys
run = json.load(open(sys.argv[1]))
status = next(t for t in run["tasks"] if t["name"] == "Status")
print(" ".join("%s=%s/%s" % (s["server"], s["current"], s["balancer"]) for s in status["outcome"]["servers"]))' "$state/last-run.json"
}

lb_port() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["Http"])' "$state/haproxy/ports.json"; }

under_load() { # under_load NAME TASK BUILD-ARGS...   (TASK records the roll-out's time and the release it put live)
    local name=$1 task=$2
    shift 2
    rm -f "$work/stop"
    python3 "$root/benchmarks/client-loop.py" --port "$(lb_port)" --stop-file "$work/stop" --min 2000 >"$work/$name.json" &
    local client=$!
    sleep 1
    build "$@" >"$work/$name.log" 2>&1 || { echo "benchmark: $name failed; its log:" >&2; tail -n 40 "$work/$name.log" >&2; touch "$work/stop"; wait "$client" || true; exit 1; }
    touch "$work/stop"
    wait "$client"
    local seconds expected on
    seconds=$(summary "$task" seconds)
    expected=$(summary Release release)
    [[ $task == Rollback ]] && expected=$(summary Rollback release)
    on=$(machines)
    python3 - "$name" "$work/$name.json" "$seconds" "$expected" "$on" "$work/failed" <<'PY' >>"$work/rows"
import json, sys
name, path, seconds, expected, on, failed_file = sys.argv[1:7]
result = json.load(open(path))
machines = dict(item.split("=") for item in on.split())
wrong = {m: r for m, r in machines.items() if r != expected + "/UP"}
print("| %s | %d | %d | %s | %d | %d | %s |" % (name, result["requests"], result["failed"], seconds,
      result["sse_connects"], result["retried_on_closed_keepalive"],
      ", ".join("%s: %s" % (m, r.split("/")[0]) for m, r in sorted(machines.items()))))
if result["failed"] or wrong or len(machines) != 3:
    print("%s: failures %s, machines not on %s: %s" % (name, result["failures"], expected, wrong), file=sys.stderr)
    open(failed_file, "a").write("%s %d\n" % (name, result["failed"]))
PY
}

# three machines on the reference app, then a changed copy of it
build --target=Deploy --servers=3 >"$work/warmup.log" 2>&1 || { tail -n 40 "$work/warmup.log" >&2; exit 1; }
cp -r app-deploy/reference-app "$work/app"
sed -i 's#</body>#<!-- scale-out benchmark '"$(date +%s)"' --></body>#' "$work/app/ui/customer/index.html"

under_load deploy Activate --target=Deploy "--app-dir=$work/app"
under_load rollback Rollback --target=Rollback
build --target=LocalDown >/dev/null

{
    echo "| scenario | requests | failed | roll-out seconds | SSE connects | retried on a closed keep-alive | every machine afterwards |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    cat "$work/rows"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores; requests through HAProxy on 127.0.0.1 in front of 3 machines."
} | tee "${out:-/dev/null}"
# any failed request, or a machine on another release, fails the benchmark
[[ ! -s $work/failed ]]
