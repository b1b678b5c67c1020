#!/usr/bin/env bash
# Zero-downtime benchmark: a bounded client loop through Nginx (at least 1,000 requests over /,
# /admin/ and /api/health, plus one open SSE stream) while the build
#   (a) deploys a changed app,
#   (b) rolls back to the previous release,
#   (c) bootstraps a change of the API unit (which goes through the slot switch).
# For each it reports the failed requests, the SSE reconnects and the switch time (the task's
# seconds, read from the run summary last-run.json). Exit 1 if any request failed.
# Usage: sudo bash benchmarks/zero-downtime-benchmark.sh [output.md]    (runs in its own stack)
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_stack zero-downtime "${1:-}"

port() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$state/ports.json" "$1"; }

# under load: start the client, run the build, stop the client once it has made its 1,000 requests
under_load() { # under_load NAME TASK OUTCOME-KEY BUILD-ARGS...
    local name=$1 task=$2 key=$3
    shift 3
    rm -f "$work/stop"
    python3 "$root/benchmarks/client-loop.py" --port "$(port Http)" --stop-file "$work/stop" --min 1000 >"$work/$name.json" &
    local client=$!
    sleep 1
    build "$@" >"$work/$name.log" 2>&1 || { echo "benchmark: $name failed; its log:" >&2; tail -n 30 "$work/$name.log" >&2; touch "$work/stop"; wait "$client" || true; exit 1; }
    touch "$work/stop"
    wait "$client"
    python3 - "$name" "$work/$name.json" "$(summary "$task" seconds)" "$(summary "$task" "$key")" "$work/failed" <<'PY' >>"$work/rows"
import json, sys
name, path, seconds, switched, failed_file = sys.argv[1:6]
result = json.load(open(path))
print("| %s | %d | %d | %s | %s | %d | %d |" % (name, result["requests"], result["failed"], seconds, switched,
      result["sse_connects"], result["retried_on_closed_keepalive"]))
if result["failed"]:
    print("failures of %s: %s" % (name, result["failures"]), file=sys.stderr)
    open(failed_file, "a").write("%s %d\n" % (name, result["failed"]))
PY
}

# the reference app, then a changed copy of it
build --target=Deploy >"$work/warmup.log" 2>&1 || { tail -n 30 "$work/warmup.log" >&2; exit 1; }
cp -r app-deploy/reference-app "$work/app"
sed -i 's#</body>#<!-- zero-downtime benchmark '"$(date +%s)"' --></body>#' "$work/app/ui/customer/index.html"

under_load deploy Activate switched --target=Deploy "--app-dir=$work/app"
under_load rollback Rollback switched --target=Rollback
# a change of the API unit on the server: the next Bootstrap writes the unit back and restarts the API through the switch
ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -i "$root/.tableorder/cache/machine/login_ed25519" -p "$(port Ssh)" admin@127.0.0.1 \
    "echo '# changed by the zero-downtime benchmark' | sudo tee -a /etc/systemd/system/tableorder-api@.service >/dev/null"
under_load bootstrap Bootstrap restarted --target=Bootstrap
build --target=LocalDown >/dev/null

{
    echo "| scenario | requests | failed | task seconds | switched/restarted | SSE connects | retried on a closed keep-alive |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    cat "$work/rows"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores; requests through Nginx on 127.0.0.1."
} | tee "${out:-/dev/null}"
# any failed request fails the benchmark
[[ ! -s $work/failed ]]
