#!/bin/sh
# run-all.sh BUILD_DIR [SUITE...] — every test suite, one total. `make test`
# calls it.
#
# Suites, in order: each unit-test binary in BUILD_DIR/tests/, then
# tests/run-golden.sh, then every other tests/run-*.sh (sorted); SUITE
# arguments run only the suites of those names, as the summary names them
# (unit/test_json, golden, fixtures, ...). Each runs from the repository
# root with VETO=BUILD_DIR/veto (absolute), VETO_ROOT, VETO_BUILD_DIR and
# VETO_FIXTURES exported. VETO_FIXTURES is the shared fixtures folder (real
# plans, schemas, the JSONTestSuite corpus), by default ../shared/fixtures
# beside the repository; every suite that reads it skips what needs it,
# counted as skipped, when it is not there. Each suite's output is shown as
# it runs.
#
# The contract for a suite: print one or more lines that are exactly
# "N passed, N failed" (optionally followed by ", N skipped") — every such
# line is added up, so print subtotals *or* a total, not both — and exit
# non-zero when something failed. A suite that prints no count line, or
# exits non-zero while counting no failure (a crash, a sanitizer report),
# counts as one failed test.
#
# Ends with a per-suite summary and, last, exactly the line
# "N passed, N failed, N skipped" (totals); exits non-zero when anything
# failed.
# SUITE_TIMEOUT (seconds, default 1200) bounds each suite.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: sh tests/run-all.sh BUILD_DIR [SUITE...]" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
shift
case $build in /*) ;; *) build="$(pwd)/$build" ;; esac
VETO_FIXTURES=${VETO_FIXTURES:-$root/../shared/fixtures}
case $VETO_FIXTURES in /*) ;; *) VETO_FIXTURES="$(pwd)/$VETO_FIXTURES" ;; esac
cd "$root"
VETO="$build/veto"
VETO_ROOT=$root
VETO_BUILD_DIR=$build
export VETO VETO_ROOT VETO_BUILD_DIR VETO_FIXTURES
only=" $* "
suite_timeout=${SUITE_TIMEOUT:-1200}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
: >"$tmp/summary"
total_passed=0
total_failed=0
total_skipped=0
ran=" "

# run_suite NAME COMMAND... — runs one suite and adds up its count lines.
run_suite() {
    name=$1
    shift
    case $only in "  " | *" $name "*) ;; *) return 0 ;; esac
    ran="$ran$name "
    echo "=== $name"
    { rc=0; timeout "$suite_timeout" "$@" </dev/null 2>&1 || rc=$?; echo "$rc" >"$tmp/rc"; } |
        tee "$tmp/out"
    rc=$(cat "$tmp/rc")
    # p f s n: passed, failed, skipped, number of count lines.
    # shellcheck disable=SC2046 # four numbers, split on purpose
    set -- $(awk '
        /^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
            p += $1; f += $3; if (NF == 6) s += $5; n++
        }
        END { printf "%d %d %d %d\n", p, f, s, n }' "$tmp/out")
    p=$1 f=$2 s=$3 n=$4
    note=""
    if [ "$n" -eq 0 ]; then
        note="no count line (exit $rc)"
        f=$((f + 1))
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        note="exited $rc without a counted failure"
        f=$((f + 1))
    elif [ "$rc" -ne 0 ]; then
        note="exit $rc"
    fi
    [ "$rc" -ne 124 ] || note="timed out after ${suite_timeout}s"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
    total_skipped=$((total_skipped + s))
    printf '%-32s %6d passed %4d failed %4d skipped  %s\n' "$name" "$p" "$f" "$s" "$note" \
        >>"$tmp/summary"
}

# run_script PATH — a suite script, run by the shell its first line names.
run_script() {
    name=$(basename "$1" .sh)
    name=${name#run-}
    if head -n 1 "$1" | grep -q bash; then
        run_suite "$name" bash "$1"
    else
        run_suite "$name" sh "$1"
    fi
}

if [ -d "$build/tests" ]; then
    for bin in "$build"/tests/*; do
        if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
        run_suite "unit/$(basename "$bin")" "$bin"
    done
fi
run_script tests/run-golden.sh
for script in tests/run-*.sh; do
    case $script in
    tests/run-all.sh | tests/run-golden.sh) ;;
    *) run_script "$script" ;;
    esac
done

# A SUITE argument that names no suite is a failure, not a quiet zero.
for name in $only; do
    case $ran in *" $name "*) ;; *)
        printf '%-32s %s\n' "$name" "no such suite" >>"$tmp/summary"
        total_failed=$((total_failed + 1))
        ;;
    esac
done

echo
echo "=== summary"
cat "$tmp/summary"
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
