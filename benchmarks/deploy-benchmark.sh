#!/usr/bin/env bash
# Measures three local deploys and the time of each task (from Cake's task summary):
#   cold     nothing running (LocalDown --purge first; the machine image cache is kept)
#   no-op    the same Deploy again: nothing should be uploaded or restarted
#   app-only one UI file of the app changed (--app-dir to a changed copy)
# Usage: sudo bash benchmarks/deploy-benchmark.sh [output.md]     (run from anywhere)
# Not a test: it prints a Markdown table (and writes it to the output file if given).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NO_COLOR=1
out=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() { dotnet "$root/build/bin/Release/net10.0/TableOrder.Build.dll" "$@"; }
dotnet build build -c Release -v q -nologo >/dev/null

# Cake's summary lines: "Task   00:00:01.2345678   Succeeded"
durations() {
    awk '/^(Provision|WaitForServer|Bootstrap|Release|Migrate|Activate|Smoke|Total:)[[:space:]]+[0-9]+:[0-9]+:/ {
        split($2, t, ":"); printf "%s=%.1f\n", $1, t[1]*3600 + t[2]*60 + t[3] }' "$1"
}

run() {
    local name=$1; shift
    local log=$work/$name.log start end
    start=$(date +%s.%N)
    build --target=Deploy "$@" >"$log" 2>&1 || { echo "benchmark: $name deploy failed; see its log:" >&2; tail -n 30 "$log" >&2; exit 1; }
    end=$(date +%s.%N)
    durations "$log" >"$work/$name.times"
    awk -v s="$start" -v e="$end" 'BEGIN { printf "wall=%.1f\n", e - s }' >>"$work/$name.times"
    if grep -q 'nothing uploaded' "$log"; then echo "uploaded=no" >>"$work/$name.times"; else echo "uploaded=yes" >>"$work/$name.times"; fi
    if grep -q 'nothing restarted' "$log"; then echo "restarted=no" >>"$work/$name.times"; else echo "restarted=yes" >>"$work/$name.times"; fi
}

build --target=LocalDown --purge >/dev/null
run cold
run noop
cp -r app-deploy/reference-app "$work/app"
sed -i 's#</body>#<!-- benchmark change '"$(date +%s)"' --></body>#' "$work/app/ui/customer/index.html"
run app-only "--app-dir=$work/app"
build --target=Deploy >/dev/null   # leave the reference app serving

value() { grep "^$2=" "$work/$1.times" | cut -d= -f2; }
{
    echo "| deploy | total (s) | wall (s) | Provision | WaitForServer | Bootstrap | Release | Migrate | Activate | Smoke | uploaded | restarted |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for name in cold noop app-only; do
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" \
            "$(value $name Total:)" "$(value $name wall)" "$(value $name Provision)" "$(value $name WaitForServer)" \
            "$(value $name Bootstrap)" "$(value $name Release)" "$(value $name Migrate)" "$(value $name Activate)" \
            "$(value $name Smoke)" "$(value $name uploaded)" "$(value $name restarted)"
    done
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; the machine image was already cached."
} | tee "${out:-/dev/null}"
