#!/bin/sh
# tests/run-projection.sh — plan-native loading gives the same decisions.
#
# For every fixture plan (../shared/fixtures/plans, or VETO_FIXTURES) and a
# generated plan of 200 resources, and for each policy set — every example
# policy under policies-examples/ on its own, all of them together, and the
# benchmark workload bench/policies — bench/project_check loads the input
# in full and projected (veto_doc_load_file_projected) and compares the JSON
# decision records byte for byte, except the "input" line of "hashes" (see
# docs/PERFORMANCE.md: the canonical input hash is computed from the loaded
# tree, which projection leaves partial).
#
# Every run also passes --stream, which checks the streamability analysis
# (engine/project.c): the policies it calls streamable, evaluated once per
# element of resource_changes and stable-sorted by (policy, rule, element),
# give exactly the whole-document results. The benchmark workload's
# verdicts are asserted (three stream; the deletion count, an aggregate,
# does not), and so are shapes that must never stream.
#
# Prints one line per difference, then "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
build=${VETO_BUILD_DIR:-$root/build}
fixtures=${VETO_FIXTURES:-$root/../shared/fixtures}
[ -d "$fixtures/plans" ] && fixtures="$fixtures/plans"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

CC=${CC:-cc}
SAN=""
case $build in *-san) SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" ;; esac
# shellcheck disable=SC2086
if ! $CC -O1 -g -std=c11 -D_GNU_SOURCE $SAN -Iengine -I"$build/gen" -Istdlib \
    -o "$tmp/project_check" bench/project_check.c "$build/libveto.a" \
    -lpcre2-8 -lyaml -lsqlite3 -lcrypto -lm -lpthread; then
    echo "cannot build bench/project_check.c"
    echo "0 passed, 1 failed"
    exit 1
fi
$CC -O2 -std=c11 -o "$tmp/gen_plan" bench/gen_plan.c && "$tmp/gen_plan" 200 >"$tmp/gen200.json"

pass=0
fail=0
skip=0
check() { # check INPUT POLICY...
    rc=0
    "$tmp/project_check" --stream "$@" >"$tmp/out" 2>&1 || rc=$?
    if grep -q -E '^(streamed results differ|streaming gives|stream analysis failed)' "$tmp/out"; then
        fail=$((fail + 1))
        echo "FAIL (streaming): project_check --stream $*"
        head -40 "$tmp/out"
        return
    fi
    if [ "$rc" -eq 0 ]; then
        pass=$((pass + 1))
        return
    fi
    if [ "$rc" -eq 2 ]; then # the policy does not compile: not ours to judge
        skip=$((skip + 1))
        return
    fi
    # the input hash is the one known difference: ignore it, nothing else
    if grep -q '^decisions differ' "$tmp/out" &&
        awk '/^--- full$/ { s = 1; next } /^--- projected$/ { s = 2; next }
             s && !/^    "input": "[0-9a-f]+"$/ { print > (s == 1 ? "'"$tmp"'/a" : "'"$tmp"'/b") }' \
            "$tmp/out" && cmp -s "$tmp/a" "$tmp/b"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: project_check $*"
        head -40 "$tmp/out"
    fi
    rm -f "$tmp/a" "$tmp/b"
}

plans=$(find "$fixtures" -name '*.json' | sort)
for plan in $plans "$tmp/gen200.json"; do
    check "$plan" policies-examples
    check "$plan" bench/policies
done
for pol in $(find policies-examples -name '*.veto' | sort); do
    check "$tmp/gen200.json" "$pol"
    for plan in $(echo "$plans" | head -40); do
        check "$plan" "$pol"
    done
done
# expect_stream INPUT POLICY_PATH... — the analysis' verdicts ("stream NAME"
# / "whole NAME", reasons cut) must equal $expect.
expect_stream() {
    "$tmp/project_check" --stream "$@" 2>&1 | grep -E '^(stream|whole) ' | sed 's/:.*//' \
        >"$tmp/verdicts"
    if [ "$(cat "$tmp/verdicts")" = "$expect" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: streamability of $*: got"
        cat "$tmp/verdicts"
        echo "expected"
        echo "$expect"
    fi
}
expect="whole bench.deletions
stream bench.owner_tag
stream bench.s3_public_acl
stream bench.ssh_world"
expect_stream "$tmp/gen200.json" bench/policies

# shapes that must not stream (aggregate, cross-resource, the element's
# index, sorting, `any` over all resources, a rule outside any loop), and
# one that must
mkdir -p "$tmp/neg"
awk -v d="$tmp/neg" '/^policy /{ f = d "/" (++n) ".veto" } { print > f }' <<'VETO'
policy neg.count
  kind: plan
use tf
deny for r in tf.changes("aws_s3_bucket", ["create"])
  when count(tf.changes("aws_s3_bucket", ["create"])) > 1
  message "${r.address}"

policy neg.cross
  kind: plan
use tf
deny for r in tf.with_actions(["create"])
  when any o in tf.with_actions(["delete"]): o.type == r.type
  message "${r.address}"

policy neg.index
  kind: plan
deny for i, rc in input.resource_changes
  when i == 0
  message "first"

policy neg.sorted
  kind: plan
use tf
deny for r in sort([c.address for c in tf.with_actions(["create"])])
  message "${r}"

policy neg.anyall
  kind: plan
use tf
deny when any r in tf.with_actions(["create"]): r.type == "aws_s3_bucket"
  message "some bucket"

policy neg.constant
  kind: plan
deny when input.format_version == "1.2"
  message "once per plan"

policy pos.plain
  kind: plan
deny for rc in input.resource_changes
  when rc.change.actions == ["create"] and input.format_version != null
  message "${rc.address} is created"
VETO
expect="whole neg.count
whole neg.cross
whole neg.index
whole neg.sorted
whole neg.anyall
whole neg.constant
stream pos.plain"
expect_stream "$tmp/gen200.json" "$tmp/neg"
for plan in $plans "$tmp/gen200.json"; do
    check "$plan" "$tmp/neg"
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
