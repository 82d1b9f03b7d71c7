#!/bin/sh
# bench/run.sh BUILD_DIR — the benchmark of docs/PERFORMANCE.md; `make bench`.
#
# 1. builds bench/gen_plan.c and bench/latency.c (against BUILD_DIR/libveto.a);
# 2. generates plans of 1k, 10k and 100k resources (~3.4 KB each) into
#    BUILD_DIR/bench/ (kept between runs; regenerated when gen_plan changes);
# 3. runs the workload — bench/policies/*.veto through `veto eval`, and the
#    same checks as bench/workload.jq through jq — under /usr/bin/time,
#    several times at the small sizes and once (jq) / three times (veto) at
#    100k, and prints the medians: wall and CPU (user+sys) seconds, peak RSS
#    of the process, MB/s (input bytes / wall) and jq's wall / Veto's wall;
# 4. checks that Veto and jq report the same number of violations, and runs
#    Veto again with streaming off (VETO_NO_STREAM=1) for a second table:
#    the output must be identical;
# 5. prints compile time of 1,000 rules, per-decision latency of a 3-rule
#    policy on one resource (in process, median) and the process time of
#    `veto eval` on a one-resource plan (mean of 200 runs, less what the same
#    shell loop costs running /bin/true).
#
# BENCH_SIZES="1000 10000" overrides the sizes; BENCH_NO_JQ=1 skips jq.
# Speed is never asserted here: this prints, the reader judges.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh bench/run.sh BUILD_DIR" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
case $build in /*) ;; *) build="$root/$build" ;; esac
cd "$root"
veto="$build/veto"
out="$build/bench"
mkdir -p "$out"
sizes=${BENCH_SIZES:-1000 10000 100000}
CC=${CC:-cc}
LIBS="-lpcre2-8 -lyaml -lsqlite3 -lm -lpthread"

$CC -O2 -std=c11 -Wall -Wextra -o "$out/gen_plan" bench/gen_plan.c
# shellcheck disable=SC2086 # LIBS is a list of flags
$CC -O2 -std=c11 -Wall -Wextra -D_GNU_SOURCE -Iengine -o "$out/latency" bench/latency.c \
    "$build/libveto.a" $LIBS

# median FILE — the median of the numbers in FILE, one per line.
median() {
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}

# timed RUNS REPS TAG CMD... — takes RUNS samples; each sample runs CMD
# REPS times in one shell loop under /usr/bin/time (so a run shorter than
# /usr/bin/time's 10 ms resolution is still measured) and records the loop's
# wall and CPU divided by REPS, and its peak RSS. Leaves the medians in
# $out/TAG.{wall,cpu,rss} (seconds, seconds, KiB). stdout of the last run of
# CMD goes to $out/TAG.out (the violations); exit status 0 or 1 accepted.
timed() {
    runs=$1 reps=$2 tag=$3
    shift 3
    : >"$out/$tag.wall"
    : >"$out/$tag.cpu"
    : >"$out/$tag.rss"
    i=0
    while [ "$i" -lt "$runs" ]; do
        rc=0
        /usr/bin/time -f '%e %U %S %M' -o "$out/$tag.time" sh -c '
            reps=$1
            shift
            k=1
            while [ "$k" -lt "$reps" ]; do "$@" >/dev/null || [ $? -eq 1 ] || exit $?; k=$((k + 1)); done
            "$@"' sh "$reps" "$@" >"$out/$tag.out" 2>"$out/$tag.err" || rc=$?
        if [ "$rc" -gt 1 ]; then
            echo "bench: '$*' exited $rc:" >&2
            tail -5 "$out/$tag.err" >&2
            exit 1
        fi
        tail -1 "$out/$tag.time" | awk -v r="$reps" '{ print $1 / r }' >>"$out/$tag.wall"
        tail -1 "$out/$tag.time" | awk -v r="$reps" '{ print ($2 + $3) / r }' >>"$out/$tag.cpu"
        tail -1 "$out/$tag.time" | awk '{ print $4 }' >>"$out/$tag.rss"
        i=$((i + 1))
    done
    echo "$(median "$out/$tag.wall") $(median "$out/$tag.cpu") $(median "$out/$tag.rss")" \
        >"$out/$tag.med"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "jq: $(jq --version 2>/dev/null || echo none)"
echo
: >"$out/whole.rows"
printf '%-9s %8s | %8s %8s %9s %8s | %8s %9s %7s\n' resources size_MB veto_s cpu_s peak_MiB MB/s \
    jq_s jq_peak_MiB jq/veto
for n in $sizes; do
    plan="$out/plan-$n.json"
    if [ ! -s "$plan" ] || [ "$plan" -ot "$out/gen_plan" ]; then
        "$out/gen_plan" "$n" >"$plan.tmp" && mv "$plan.tmp" "$plan"
    fi
    bytes=$(wc -c <"$plan")
    case $n in
    100000) vr=3 jr=1 reps=1 ;;
    10000) vr=5 jr=3 reps=3 ;;
    *) vr=5 jr=3 reps=20 ;;
    esac
    # one untimed run warms the page cache for both tools
    cat "$plan" >/dev/null
    timed "$vr" "$reps" "veto-$n" "$veto" eval --policy bench/policies --input "$plan"
    set -- $(cat "$out/veto-$n.med")
    vw=$1 vc=$2 vm=$3
    # the same with resource-by-resource streaming off: the whole projected
    # document in memory (the figures before streaming existed)
    timed "$vr" "$reps" "whole-$n" env VETO_NO_STREAM=1 "$veto" eval --policy bench/policies --input "$plan"
    if ! cmp -s "$out/veto-$n.out" "$out/whole-$n.out"; then
        echo "bench: streaming and whole-document output differ at $n resources" >&2
        exit 1
    fi
    set -- $(cat "$out/whole-$n.med")
    echo "$n $bytes $1 $2 $3" >>"$out/whole.rows"
    jw=- jm=- ratio=-
    if [ "${BENCH_NO_JQ:-0}" != 1 ]; then
        timed "$jr" 1 "jq-$n" jq -r -f bench/workload.jq "$plan"
        set -- $(cat "$out/jq-$n.med")
        jw=$1 jm=$(awk -v k="$3" 'BEGIN { printf "%.0f", k / 1024 }')
        ratio=$(awk -v j="$jw" -v v="$vw" 'BEGIN { printf("%.1fx", v > 0 ? j / v : 0) }')
        # the same violations: count them on both sides
        vn=$(grep -c -E '(has public ACL|allows SSH|has no owner tag|plan destroys)' \
            "$out/veto-$n.out" || true)
        jn=$(grep -c '' "$out/jq-$n.out" || true)
        if [ "$vn" != "$jn" ]; then
            echo "bench: veto reports $vn violations and jq $jn at $n resources" >&2
            exit 1
        fi
    fi
    awk -v n="$n" -v b="$bytes" -v w="$vw" -v c="$vc" -v m="$vm" -v jw="$jw" -v jm="$jm" \
        -v r="$ratio" 'BEGIN {
            mbs = w > 0 ? b / 1e6 / w : 0
            printf("%-9d %8.1f | %8.4f %8.4f %9.1f %8.0f | %8s %11s %7s\n", n, b / 1e6, w, c, m / 1024, mbs, jw, jm, r) }'
done

echo
echo "streaming off (VETO_NO_STREAM=1: whole projected document), same plans:"
printf '%-9s %8s | %8s %8s %9s %8s\n' resources size_MB veto_s cpu_s peak_MiB MB/s
awk '{ mbs = $3 > 0 ? $2 / 1e6 / $3 : 0
       printf("%-9d %8.1f | %8.4f %8.4f %9.1f %8.0f\n", $1, $2 / 1e6, $3, $4, $5 / 1024, mbs) }' \
    "$out/whole.rows"

echo
tiny="$out/tiny.json"
"$out/gen_plan" 1 >"$tiny"
# process time of one `veto eval` on a one-resource plan: 200 runs in one
# timed shell loop (user+sys of the children), divided by 200
/usr/bin/time -f '%e %U %S' -o "$out/tiny.time" sh -c '
    i=0; while [ $i -lt 200 ]; do "$1" eval --policy bench/policies --input "$2" >/dev/null; i=$((i + 1)); done
' sh "$veto" "$tiny" || true
# the same loop running `true`: what the shell's fork and exec cost per run,
# which is not Veto's
/usr/bin/time -f '%e %U %S' -o "$out/true.time" sh -c '
    i=0; while [ $i -lt 200 ]; do "$1" >/dev/null; i=$((i + 1)); done
' sh /bin/true || true
paste "$out/tiny.time" "$out/true.time" | awk '{
    v = ($2 + $3) * 1000 / 200; t = ($5 + $6) * 1000 / 200
    printf("veto eval, one-resource plan: %.1f ms process time (%.1f ms measured, less %.1f ms for the shell loop running `true`), %.1f ms wall (mean of 200)\n", v - t, v, t, $1 * 1000 / 200) }'
"$out/latency" | while read -r what v; do
    case $what in
    compile_ms) echo "compile 1,000 rules: $v ms (median of 15)" ;;
    decision_us) echo "3-rule policy on one resource: $v us per decision (median)" ;;
    evaluator_us) echo "3-rule policy on one resource, reused evaluator: $v us per decision (median)" ;;
    esac
done
