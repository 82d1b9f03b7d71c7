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
# Every run also passes --stream, which checks the streaming plan
# (engine/gate/project.c): for the policies it calls streamable, the STREAM rules
# evaluated once per element of resource_changes, and the POST rules
# evaluated once without resource_changes with the FOLD globals (counts of
# a stream) preset to the sum of their per-element values, give exactly the
# whole-document results. The plan's verdicts are asserted for the
# benchmark workload (all four stream; the deletion count is a fold read by
# a POST rule), for shapes that must not stream or must not be folds, and
# for shapes that must be POST or FOLD, in every policy kind.
#
# Prints one line per difference, then "N passed, N failed, N skipped" (a
# policy that does not compile is skipped; so, once, are the fixture plans
# when they are not here).
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
if ! $CC -O1 -g -std=c11 -D_GNU_SOURCE $SAN -Iengine -I"$build/gen" -I. \
    -o "$tmp/project_check" bench/project_check.c "$build/libveto.a" \
    -lpcre2-8 -lyaml -lsqlite3 -lm -lpthread; then
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

if [ -d "$fixtures" ]; then
    plans=$(find "$fixtures" -name '*.json' | sort)
else
    echo "skipped: the fixture plans ($fixtures is not here): generated plan only"
    plans=""
    skip=$((skip + 1))
fi
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
# expect_stream INPUT POLICY_PATH... — the plan as project_check prints it
# (policy verdicts with reasons cut, rule modes, file-level globals) must
# equal $expect.
expect_stream() {
    "$tmp/project_check" --stream "$@" 2>&1 | grep -E '^(stream|whole) |^  rule |^  global [^ .]+:' |
        sed 's/^\(whole [^:]*\):.*/\1/' >"$tmp/verdicts"
    if [ "$(cat "$tmp/verdicts")" = "$expect" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: streaming plan of $*: got"
        cat "$tmp/verdicts"
        echo "expected"
        echo "$expect"
    fi
}
# expect_post N ARGS... — the --stream check of ARGS passes and compares at
# least N results of POST rules (so the post phase is not vacuous).
expect_post() {
    want=$1
    shift
    "$tmp/project_check" --stream "$@" >"$tmp/out" 2>&1
    got=$(sed -n 's/^streamed results equal: [0-9]*, \([0-9]*\) of them from post rules$/\1/p' \
        "$tmp/out")
    if [ -n "$got" ] && [ "$got" -ge "$want" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: expected at least $want post results compared: project_check --stream $*"
        head -40 "$tmp/out"
    fi
}
expect="stream bench.deletions
  rule 1: post
stream bench.owner_tag
  rule 1: stream
stream bench.s3_public_acl
  rule 1: stream
stream bench.ssh_world
  rule 1: stream
  rule 2: stream
  global destroyed: fold plan"
expect_stream "$tmp/gen200.json" bench/policies
expect_post 1 "$tmp/gen200.json" bench/policies

# shapes that must not stream: an aggregate, cross-resource, the element's
# index, sorting, `any` over all resources; a fold read inside a stream
# loop; sums that are not a count (count + 1, count or a constant, count
# of a set, of a sorted list, a count per resource, a fold through ??, an
# argument or an operator); a count inline in a rule (only a preset global
# has the whole document's value); a rule outside any loop that reads the
# list other than through a fold (its kind, an ELEM global, the whole
# input, one element); and a policy with one rule that cannot stream.
mkdir -p "$tmp/neg"
awk -v d="$tmp/neg" '/^policy /{ f = d "/" sprintf("%02d", ++n) ".veto" } { print > f }' <<'VETO'
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

policy neg.fold_in_loop
  kind: plan
use tf
let created = count(tf.with_actions(["create"]))
deny for r in tf.with_actions(["create"])
  when created > 1
  message "${r.address} is one of ${created}"

policy neg.fold_plus_one
  kind: plan
use tf
let plus_one = count(tf.destroys()) + 1
warn when plus_one > 1
  message "${plus_one}"

policy neg.fold_or_zero
  kind: plan
use tf
let fold_or_zero = if input.format_version == "1.2" then count(tf.destroys()) else 0
warn when fold_or_zero > 0
  message "${fold_or_zero}"

policy neg.count_set
  kind: plan
let types = count({rc.type for rc in input.resource_changes})
warn when types > 1
  message "${types} types"

policy neg.count_sorted
  kind: plan
use tf
let sorted = count(sort([r.address for r in tf.destroys()]))
warn when sorted > 0
  message "${sorted}"

policy neg.count_per_resource
  kind: plan
use tf
let nested = count([count(tf.destroys()) for r in tf.destroys()])
warn when nested > 0
  message "${nested}"

policy neg.fold_coalesce
  kind: plan
use tf
let co = count(tf.destroys()) ?? 0
warn when co > 0
  message "${co}"

policy neg.fold_arg
  kind: plan
use tf
func twice(n) = n * 2
let tw = twice(count(tf.destroys()))
warn when tw > 0
  message "${tw}"

policy neg.count_inline
  kind: plan
use tf
warn when count(tf.destroys()) > 0
  message "destroys"

policy neg.kind_of_list
  kind: plan
warn when is_array(input.resource_changes)
  message "a plan"

policy neg.elem_in_post
  kind: plan
use tf
let addrs = [r.address for r in tf.destroys()]
warn when addrs != []
  message "destroys"

policy neg.whole_input
  kind: plan
warn when count(input) > 3
  message "big input"

policy neg.first
  kind: plan
warn when input.resource_changes[0].address != null
  message "first"

policy neg.stream_and_whole
  kind: plan
use tf
deny for r in tf.with_actions(["create"])
  message "${r.address}"
warn when count(tf.destroys()) > 2
  message "many"
VETO
expect="whole neg.count
  rule 1: whole
whole neg.cross
  rule 1: whole
whole neg.index
  rule 1: whole
whole neg.sorted
  rule 1: whole
whole neg.anyall
  rule 1: whole
whole neg.fold_in_loop
  rule 1: whole
whole neg.fold_plus_one
  rule 1: whole
whole neg.fold_or_zero
  rule 1: whole
whole neg.count_set
  rule 1: whole
whole neg.count_sorted
  rule 1: whole
whole neg.count_per_resource
  rule 1: whole
whole neg.fold_coalesce
  rule 1: whole
whole neg.fold_arg
  rule 1: whole
whole neg.count_inline
  rule 1: whole
whole neg.kind_of_list
  rule 1: whole
whole neg.elem_in_post
  rule 1: whole
whole neg.whole_input
  rule 1: whole
whole neg.first
  rule 1: whole
whole neg.stream_and_whole
  rule 1: stream
  rule 2: whole
  global created: fold
  global plus_one: other
  global fold_or_zero: other
  global types: other
  global sorted: other
  global nested: other
  global co: other
  global tw: other
  global addrs: elem"
expect_stream "$tmp/gen200.json" "$tmp/neg"

# shapes that must stream: STREAM rules; POST rules reading folds directly,
# through another fold and through a function; a fold shared by policies of
# two kinds; count and length of a stream, of the raw list and of a list
# that may be [] (tf.list_of); rules that read only constants, the input's
# other members or the context; a count of something that is not a stream
# (KEEP, not FOLD); and apart, a fold whose per-element value raises an
# error (the check falls back to the whole document for it).
mkdir -p "$tmp/pos" "$tmp/foldbad"
cat >"$tmp/pos/10-deletions.veto" <<'VETO'
policy pos.deletions
  kind: plan
use tf
let gone = count(tf.destroys())
let gone_alias = gone
func too_many(limit) = gone > limit
warn when gone > 0
  message "plan destroys ${gone} resources"
deny when too_many(1)
  message "more than one destroyed (${gone_alias})"
deny for r in tf.with_actions(["create"])
  when r.type == "aws_s3_bucket"
  message "${r.address} is created"

policy pos.review
  kind: approval
reject when gone > 1
  message "${gone} deletions need a closer look"
approve for r in input.reviews ?? []
  when r.verdict == "approve"
  message "approved by ${r.actor}"
VETO
awk -v d="$tmp/pos" '/^policy /{ f = d "/" sprintf("%02d", ++n) ".veto" } { print > f }' <<'VETO'
policy pos.plain
  kind: plan
deny for rc in input.resource_changes
  when rc.change.actions == ["create"] and input.format_version != null
  message "${rc.address} is created"

policy pos.constant
  kind: plan
warn when input.format_version == "1.2"
  message "once per plan"

policy pos.counts
  kind: plan
use tf
let n_raw = count(input.resource_changes)
let n_created = length(tf.with_actions(["create"]))
let n_listed = count(tf.list_of(input.resource_changes))
let n_outputs = count(input.output_changes ?? {})
warn when n_raw > 1 and n_created >= 0
  message "${n_raw} changes, ${n_created} created, ${n_listed} listed, ${n_outputs} outputs"
VETO
cat >"$tmp/foldbad/fold_error.veto" <<'VETO'
policy pos.fold_error
  kind: plan
let bad_fold = count([rc for rc in input.resource_changes if rc.change.actions + 1])
warn when bad_fold > 0
  message "${bad_fold}"
VETO
expect="stream pos.plain
  rule 1: stream
stream pos.constant
  rule 1: post
stream pos.counts
  rule 1: post
stream pos.deletions
  rule 1: post
  rule 2: post
  rule 3: stream
stream pos.review
  rule 1: post
  rule 2: post
  global n_raw: fold plan
  global n_created: fold plan
  global n_listed: fold plan
  global n_outputs: keep
  global gone: fold plan approval
  global gone_alias: fold plan"
expect_stream "$tmp/gen200.json" "$tmp/pos"
expect="stream pos.fold_error
  rule 1: post
  global bad_fold: fold plan"
expect_stream "$tmp/gen200.json" "$tmp/foldbad"

# an input for the approval and access kinds (reviews, an action) that is
# also a plan: two of its three changes destroy an object
cat >"$tmp/review.json" <<'JSON'
{"format_version": "1.2", "action": "apply", "run": {"author": "ann"},
 "reviews": [{"actor": "bob", "verdict": "approve"}, {"actor": "cy", "verdict": "approve"},
             {"actor": "dee", "verdict": "reject", "comment": "no"}],
 "resource_changes": [
  {"address": "aws_s3_bucket.a", "mode": "managed", "type": "aws_s3_bucket", "name": "a",
   "change": {"actions": ["delete"], "before": {}, "after": null}},
  {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
   "change": {"actions": ["create"], "before": null, "after": {}}},
  {"address": "aws_instance.c", "mode": "managed", "type": "aws_instance", "name": "c",
   "change": {"actions": ["delete", "create"], "before": {}, "after": {}}}]}
JSON
cat >"$tmp/context.json" <<'JSON'
{"actor": {"name": "ann", "teams": ["dev"]}, "time": {"weekday": "Sat"}}
JSON
expect_post 2 "$tmp/review.json" "$tmp/pos/10-deletions.veto"
expect_post 2 --kind approval "$tmp/review.json" "$tmp/pos/10-deletions.veto"
expect_post 2 --kind approval "$tmp/review.json" policies-examples/approval
expect_post 1 --kind access --context "$tmp/context.json" "$tmp/review.json" policies-examples/access
expect_post 4 "$tmp/review.json" "$tmp/pos"
check --kind approval "$tmp/review.json" "$tmp/pos"
check "$tmp/review.json" "$tmp/foldbad"
if grep -q '^error in pos.fold_error: would fall back' "$tmp/out"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: a fold raising an error must make its policy fall back"
    head -40 "$tmp/out"
fi
for plan in $plans "$tmp/gen200.json" "$tmp/review.json"; do
    check "$plan" "$tmp/neg"
    check "$plan" "$tmp/pos"
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
