#!/usr/bin/env bash
# The deploy's figures in one report, each read from the run summary the build writes
# (<state folder>/last-run.json), never from log lines; wall times are measured here around
# the command, with the host's load average (1 min) before and after each run:
#   cold      LocalDown --purge --purge-image first: no state, no machine image, no downloaded
#             packages (this clone's image cache is shared: its other stacks' next start builds
#             the image again). Host packages are what this host has (the report says which are missing).
#   no-op     the same Deploy again (median of --rounds runs): nothing uploaded, switched or restarted
#   app-only  one UI file of the app changed (--app-dir to a changed copy)
#   rebuild   --target=Rebuild: a new machine from the cached image, bootstrapped and deployed
#   dotnet run / tool   the no-op as a user runs it: benchmarks/noop-benchmark.sh, its medians
#   test command        with --with-tests only (it is long): `dotnet run --project build -- --target=Test`
# Usage: sudo bash benchmarks/deploy-benchmark.sh [--rounds N] [--with-tests] [output.md]
# It runs in its own state folder (.tableorder/benchmark), beside any stack of yours.
# Not a test: it prints Markdown tables (and writes them to the output file if given).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NO_COLOR=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rounds=3 with_tests=0 out=''
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds)
            [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || { echo "deploy-benchmark: --rounds needs a number 1-99, e.g. --rounds 3" >&2; exit 2; }
            rounds=$2; shift 2 ;;
        --with-tests) with_tests=1; shift ;;
        -*) echo "usage: sudo bash benchmarks/deploy-benchmark.sh [--rounds N] [--with-tests] [output.md]" >&2; exit 2 ;;
        *) out=$1; shift ;;
    esac
done

work=$(mktemp -d)
state_root=$root/.tableorder/benchmark
summary=$state_root/local/last-run.json
trap 'rm -rf "$work"' EXIT

build() { dotnet "$root/build/bin/Release/net10.0/TableOrder.Build.dll" "--state-dir=$state_root" "$@"; }
dotnet build build -c Release -v q -nologo >/dev/null
load() { cut -d' ' -f1 /proc/loadavg; }

# One measured run: NAME COLD ARGS...; keeps its summary with the wall time and the loads around it.
measure() {
    local name=$1 cold=$2 start end before
    shift 2
    before=$(load)
    start=$(date +%s.%N)
    build "$@" >"$work/$name.log" 2>&1 || { echo "benchmark: $name failed; see its log:" >&2; tail -n 30 "$work/$name.log" >&2; exit 1; }
    end=$(date +%s.%N)
    python3 - "$summary" "$name" "$cold" "$start" "$end" "$before" "$(load)" >>"$work/runs.jsonl" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
name, cold, start, end, before, after = sys.argv[2:8]
print(json.dumps({"name": name, "cold": cold, "wall": float(end) - float(start), "run": run, "load": [before, after]}))
PY
}

# What this host still lacked before the cold run (a new host installs these too; time not included here).
missing=$(python3 - <<'PY'
import shutil, os
need = {"mmdebstrap": "mmdebstrap", "systemd-container": "systemd-nspawn", "openssh-client": "ssh-keygen",
        "postgresql-15": "/usr/lib/postgresql/15/bin/initdb", "redis-server": "redis-server", "openssl": "openssl",
        "shellcheck": "shellcheck", "nginx": "nginx", "iproute2": "ss", "haproxy": "haproxy", "pebble": "pebble"}
def present(proof):
    return os.path.exists(proof) if proof.startswith("/") else shutil.which(proof, path=os.environ["PATH"] + ":/usr/sbin:/sbin") is not None
print(" ".join(p for p, proof in need.items() if not present(proof)) or "none")
PY
)

build --target=LocalDown --purge --purge-image >/dev/null
measure cold "state, machine image and its package downloads (host packages missing: $missing)" --target=Deploy
for round in $(seq 1 "$rounds"); do
    measure "no-op $round" "nothing (all up, nothing changed)" --target=Deploy
done
cp -r app-deploy/reference-app "$work/app"
sed -i 's#</body>#<!-- benchmark change '"$(date +%s%N)"' --></body>#' "$work/app/ui/customer/index.html"
measure app-only "nothing (one UI file changed)" --target=Deploy "--app-dir=$work/app"
measure rebuild "the machine (a new copy of the cached image, bootstrapped)" --target=Rebuild
build --target=LocalDown >/dev/null   # the benchmark's stack goes; yours is untouched

# The no-op as users run it (dotnet run and the installed tool), from its own benchmark.
noop_status=0
bash "$root/benchmarks/noop-benchmark.sh" "$work/noop.md" >"$work/noop.log" 2>&1 || noop_status=$?
[[ -s $work/noop.md ]] || { echo "benchmark: noop-benchmark.sh failed:" >&2; tail -n 30 "$work/noop.log" >&2; exit 1; }

if (( with_tests )); then
    before=$(load)
    start=$(date +%s.%N)
    test_status=0
    dotnet run --project build -- --target=Test "--state-dir=$state_root" >"$work/test.log" 2>&1 || test_status=$?
    end=$(date +%s.%N)
    python3 - "$summary" "$start" "$end" "$before" "$(load)" "$test_status" >"$work/test.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
print(json.dumps({"wall": float(sys.argv[3]) - float(sys.argv[2]), "run": run, "load": sys.argv[4:6], "exit": int(sys.argv[6])}))
PY
fi

python3 - "$work/runs.jsonl" "$work/noop.md" "$work/test.json" "$(nproc)" "$(free -g | awk '/Mem:/ {print $2}')" "$noop_status" <<'PY' | tee "${out:-/dev/null}"
import json, os, statistics, sys
from datetime import datetime, timezone
runs = [json.loads(line) for line in open(sys.argv[1])]
pipeline = ["Provision", "WaitForServer", "Bootstrap", "Release", "Migrate", "Activate", "Smoke"]
def tasks(run):
    return {t["name"]: t for t in run["run"]["tasks"]}
def row(name, group):
    seconds = lambda r: r["run"]["seconds"]
    pick = group[0] if len(group) == 1 else sorted(group, key=lambda r: r["wall"])[len(group) // 2]
    names = [t for t in tasks(pick) if tasks(pick)[t]["status"] in ("ran", "failed")]
    cells = [name, pick["cold"], "%.1f" % statistics.median(r["wall"] for r in group), "%.1f" % statistics.median(seconds(r) for r in group)]
    cells += ["%.1f" % tasks(pick)[t]["seconds"] if t in tasks(pick) and tasks(pick)[t]["status"] != "skipped" else "-" for t in pipeline]
    other = [t for t in names if t not in pipeline and tasks(pick)[t]["seconds"] >= 0.05]
    cells.append(", ".join("%s %.1f" % (t, tasks(pick)[t]["seconds"]) for t in other) or "-")
    cells.append(" / ".join("%s-%s" % tuple(r["load"]) for r in group))
    return "| " + " | ".join(cells) + " |"
print("| run | what was cold | wall (s) | run summary (s) | " + " | ".join(pipeline) + " | other tasks (s) | load 1 min (before-after) |")
print("| --- | --- | --- | --- | " + " | ".join("---" for _ in pipeline) + " | --- | --- |")
print(row("cold Deploy", [r for r in runs if r["name"] == "cold"]))
noops = [r for r in runs if r["name"].startswith("no-op")]
print(row("no-op Deploy (median of %d)" % len(noops), noops))
print(row("app-only Deploy", [r for r in runs if r["name"] == "app-only"]))
print(row("Rebuild", [r for r in runs if r["name"] == "rebuild"]))
print()
print("No-op Deploy as users run it (benchmarks/noop-benchmark.sh%s):" % ("" if sys.argv[6] == "0" else ", a target missed"))
print()
print(open(sys.argv[2]).read().strip())
if os.path.exists(sys.argv[3]) and os.path.getsize(sys.argv[3]) > 0:
    test = json.load(open(sys.argv[3]))
    summary = {t["name"]: t for t in test["run"]["tasks"]}
    print()
    print("| test command | wall (s) | Test task (s) | exit | load 1 min (before-after) |")
    print("| --- | --- | --- | --- | --- |")
    print("| dotnet run --project build -- --target=Test | %.0f | %.0f | %d | %s-%s |" % (test["wall"], summary.get("Test", {}).get("seconds", 0), test["exit"], *test["load"]))
print()
print("Measured %s UTC on %s cores, %s GiB; wall: the command as a user waits for it; run summary: last-run.json's seconds." % (datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"), sys.argv[4], sys.argv[5]))
PY
