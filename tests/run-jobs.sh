#!/bin/sh
# run-jobs.sh — one input's policies split over threads (veto_eval with
# opt.jobs, engine/gate/eval_parallel.c) give exactly the decision of one
# thread: `veto eval --jobs 1` and the default (and --jobs 3) write the
# same json, text and sarif views, stderr and exit status.
#
# Policies: policies-examples (plan policies that need the whole document
# among them). Inputs: a generated 5000-resource plan (over the 1 MiB from
# which policies are split), evaluated on the whole document
# (VETO_NO_STREAM=1) and as veto_eval_file chooses; every fixture plan
# (../shared/fixtures/plans, or VETO_FIXTURES; skipped when absent), each
# on its own with VETO_JOBS_MIN_BYTES=0 so that these small real plans are
# split too; a step budget that stops policies and a memory cap the
# workers together come near (both redone on one thread); several inputs at once (already one thread per input: no
# input's policies are split). VETO_JOBS_TRACE=1 makes veto_eval say when
# it split and when it went back to one thread, so every case also checks
# that the comparison compares a split evaluation with one thread's.
#
# Prints one line per failure, then "N passed, N failed".
set -u
root=${VETO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
veto=${VETO:-$root/build/veto}
fixtures=${VETO_FIXTURES:-$root/../shared/fixtures}
[ -d "$fixtures/plans" ] && fixtures="$fixtures/plans"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
skipped=0

ok() { passed=$((passed + 1)); }
fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

CC=${CC:-cc}
if ! $CC -O2 -std=c11 -o "$tmp/gen_plan" bench/gen_plan.c || ! "$tmp/gen_plan" 5000 >"$tmp/gen5000.json"; then
    echo "cannot build bench/gen_plan.c"
    echo "0 passed, 1 failed"
    exit 1
fi

# run DIR ENV... -- VETO-ARGS: one `veto eval` writing DIR/{json,text,sarif,
# stdout,err,rc} and DIR/trace (its VETO_JOBS_TRACE lines, out of err)
run() {
    dir=$1
    shift
    mkdir -p "$dir"
    envs="VETO_JOBS_TRACE=1"
    while [ "$1" != "--" ]; do
        envs="$envs $1"
        shift
    done
    shift
    # shellcheck disable=SC2086 # envs is a list of NAME=VALUE words
    env $envs "$veto" eval "$@" --format "json=$dir/json" --format "text=$dir/text" \
        --format "sarif=$dir/sarif" >"$dir/stdout" 2>"$dir/err"
    echo $? >"$dir/rc"
    grep '^jobs: ' "$dir/err" >"$dir/trace"
    grep -v '^jobs: ' "$dir/err" >"$dir/err2"
}

# same NAME ENV... -- VETO-ARGS: --jobs 1, the default and --jobs 3 give the
# same views, stderr (trace aside) and exit status. The runs stay in
# $tmp/NAME.{1,d,3} for the caller's trace checks.
same() {
    name=$1
    shift
    envs=""
    while [ "$1" != "--" ]; do
        envs="$envs $1"
        shift
    done
    shift
    # shellcheck disable=SC2086 # envs is a list of NAME=VALUE words
    run "$tmp/$name.1" $envs -- "$@" --jobs 1
    # shellcheck disable=SC2086
    run "$tmp/$name.d" $envs -- "$@"
    # shellcheck disable=SC2086
    run "$tmp/$name.3" $envs -- "$@" --jobs 3
    if [ -s "$tmp/$name.1/trace" ]; then
        fail "$name: --jobs 1 split the policies:"
        cat "$tmp/$name.1/trace"
        return 1
    fi
    for v in d 3; do
        for f in json text sarif err2 rc stdout; do
            [ -e "$tmp/$name.1/$f" ] || [ -e "$tmp/$name.$v/$f" ] || continue
            if ! cmp -s "$tmp/$name.1/$f" "$tmp/$name.$v/$f"; then
                fail "$name: $f differs between --jobs 1 and $v ($*)"
                diff "$tmp/$name.1/$f" "$tmp/$name.$v/$f" | head -10
                return 1
            fi
        done
    done
    if ! [ -s "$tmp/$name.1/json" ] && [ "$(cat "$tmp/$name.1/rc")" != 2 ]; then
        fail "$name: no json view (exit $(cat "$tmp/$name.1/rc"))"
        head -5 "$tmp/$name.1/err"
        return 1
    fi
    ok
    return 0
}

# traced NAME RUN PATTERN: run RUN (1, d or 3) of case NAME traced a line
# matching PATTERN (grep -E)
traced() {
    if grep -q -E "$3" "$tmp/$1.$2/trace"; then
        ok
    else
        fail "$1: run $2 has no trace line matching '$3':"
        cat "$tmp/$1.$2/trace"
    fi
}

split2='^jobs: [0-9]+ policies on 2 threads$'
split3='^jobs: [0-9]+ policies on 3 threads$'
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# ---- the generated plan, whole document and as veto_eval_file chooses -----

if same gen-whole VETO_NO_STREAM=1 -- --policy policies-examples --input "$tmp/gen5000.json"; then
    traced gen-whole 3 "$split3"
    if [ "$cpus" -ge 2 ]; then
        traced gen-whole d "$split2" # automatic: two threads
    else
        skipped=$((skipped + 1))
    fi
    if grep -q '"deny": [1-9]' "$tmp/gen-whole.1/json"; then ok; else fail "gen-whole: no deny"; fi
fi
same gen-default -- --policy policies-examples --input "$tmp/gen5000.json"
# one policy file: under 4 policies, never split
if same gen-one VETO_NO_STREAM=1 -- --policy policies-examples/aws/s3_public_acl.veto \
    --input "$tmp/gen5000.json"; then
    if [ -s "$tmp/gen-one.3/trace" ]; then fail "gen-one: split one policy"; else ok; fi
fi

# ---- limits: stopped policies, redone on one thread -------------------------

if same gen-fuel VETO_NO_STREAM=1 -- --policy policies-examples --input "$tmp/gen5000.json" \
    --fuel 3000; then
    if grep -q 'step budget of 3000 exhausted' "$tmp/gen-fuel.1/text"; then
        ok
    else
        fail "gen-fuel: no policy ran out of steps"
    fi
    traced gen-fuel 3 'redone on one \(a limit reached\)$'
fi
if same gen-memcap VETO_NO_STREAM=1 -- --policy policies-examples --input "$tmp/gen5000.json" \
    --mem-cap 8M; then
    # the plan takes most of the cap: the workers' arenas together pass half
    traced gen-memcap 3 'redone on one \(over half the memory cap together\)$'
fi

# ---- several inputs: one thread per input, no input split -------------------

if same several VETO_NO_STREAM=1 VETO_JOBS_MIN_BYTES=0 -- --policy policies-examples \
    --input "$tmp/gen5000.json" --input examples/plan.json; then
    for v in d 3; do
        if [ -s "$tmp/several.$v/trace" ]; then
            fail "several: an input's policies were split with several inputs ($v)"
            cat "$tmp/several.$v/trace"
        else
            ok
        fi
    done
fi

# ---- every fixture plan on its own, split however small ---------------------

if [ -d "$fixtures" ]; then
    n=0
    for plan in $(find "$fixtures" -name '*.json' | sort); do
        n=$((n + 1))
        if same "fx$n" VETO_NO_STREAM=1 VETO_JOBS_MIN_BYTES=0 -- --policy policies-examples \
            --input "$plan"; then
            # a plan that loads is split (an input error never reaches veto_eval)
            if [ "$(cat "$tmp/fx$n.1/rc")" != 2 ]; then traced "fx$n" 3 "$split3"; fi
        fi
    done
else
    echo "(no fixture plans at $fixtures: generated plan only)"
    skipped=$((skipped + 1))
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
