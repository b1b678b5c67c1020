#!/usr/bin/env bash
# Measures a no-op Deploy (the stack deployed, nothing changed) the two ways a user runs it:
#   dotnet run   dotnet run --project build -- --target=Deploy
#   tool         the installed .NET tool (README "As a .NET tool": dotnet pack + dotnet tool install)
# Five rounds; in each round the two commands run back to back (paired, so both see the same load),
# each right after one unmeasured run of the same command. Figures are medians of the five:
#   wall    the whole command, as the user waits for it (measured here)
#   remote  the remote part: the sum of the run's task seconds, from <state folder>/last-run.json
#   calls   round trips to the server after connecting (last-run.json's remote.calls), and connects
# Targets (issue 13): remote <= 0.8 s, dotnet run <= 4 s, tool <= 1.2 s, one call per no-op run.
# Exit 1 when a target is missed; the figures are printed either way.
# Usage: sudo bash benchmarks/noop-benchmark.sh [output.md]     (run from anywhere)
# It runs in its own state folder (.tableorder/noop-benchmark), beside any stack of yours.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NO_COLOR=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=${1:-}
rounds=5
work=$(mktemp -d)
state_root=$root/.tableorder/noop-benchmark
summary=$state_root/local/last-run.json
trap 'rm -rf "$work"' EXIT

# The tool, packed from this tree into a folder of the benchmark's own.
dotnet pack build -c Release -o "$work/package" -v q -nologo >/dev/null
dotnet tool install --tool-path "$work/tools" --add-source "$work/package" TableOrder.Deploy >/dev/null
tool=$work/tools/tableorder-deploy

dotnet_run() { dotnet run --project build -- --target=Deploy "--state-dir=$state_root"; }
installed() { "$tool" --target=Deploy "--state-dir=$state_root"; }

# One measured run: wall seconds, then the summary's remote part, calls and connects, on one line.
measure() {
    local how=$1 start end
    start=$(date +%s.%N)
    "$how" >"$work/$how.log" 2>&1 || { echo "benchmark: $how deploy failed; see its log:" >&2; tail -n 30 "$work/$how.log" >&2; exit 1; }
    end=$(date +%s.%N)
    python3 - "$summary" "$start" "$end" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
remote = run.get("remote") or {}
print("%.3f %.3f %d %d" % (float(sys.argv[3]) - float(sys.argv[2]), run["taskSeconds"], remote.get("calls", -1), remote.get("connects", -1)))
PY
}

# The stack, deployed (cold the first time), and the project built: what follows is a no-op.
dotnet_run >"$work/setup.log" 2>&1 || { echo "benchmark: the first deploy failed:" >&2; tail -n 30 "$work/setup.log" >&2; exit 1; }
for round in $(seq 1 "$rounds"); do
    for how in dotnet_run installed; do
        measure "$how" >/dev/null          # the pair: the same command once before
        measure "$how" >>"$work/$how.rows"
    done
    echo "round $round/$rounds done" >&2
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
"$tool" --target=LocalDown "--state-dir=$state_root" >/dev/null   # the benchmark's stack goes; yours is untouched

python3 - "$work/dotnet_run.rows" "$work/installed.rows" "$load" "$(nproc)" "$(free -g | awk '/Mem:/ {print $2}')" "${out:-/dev/null}" <<'PY'
import statistics, sys
def rows(path):
    return [tuple(float(x) for x in line.split()) for line in open(path) if line.strip()]
runs = {"dotnet run": rows(sys.argv[1]), "tool": rows(sys.argv[2])}
targets = {"dotnet run": 4.0, "tool": 1.2}
remote_target = 0.8
lines = ["| command | wall (s) | target | remote part (s) | target | remote calls | connects | met |",
         "| --- | --- | --- | --- | --- | --- | --- | --- |"]
missed = []
for name, measured in runs.items():
    wall = statistics.median(r[0] for r in measured)
    remote = statistics.median(r[1] for r in measured)
    calls = max(int(r[2]) for r in measured)
    connects = max(int(r[3]) for r in measured)
    ok = wall <= targets[name] and remote <= remote_target and calls == 1 and connects == 1
    if not ok:
        missed.append(name)
    lines.append("| %s | %.2f | %.1f | %.2f | %.1f | %d | %d | %s |" % (name, wall, targets[name], remote, remote_target, calls, connects, "yes" if ok else "NO"))
lines.append("")
lines.append("Medians of %d paired rounds; load average at the end %s on %s cores, %s GiB." % (len(runs["tool"]), sys.argv[3], sys.argv[4], sys.argv[5]))
text = "\n".join(lines)
print(text)
with open(sys.argv[6], "w") as f:
    f.write(text + "\n")
if missed:
    print("benchmark: targets missed by: " + ", ".join(missed), file=sys.stderr)
    sys.exit(1)
PY
