#!/bin/sh
# run-stream.sh — streaming evaluation (veto_eval_file, engine/gate/stream.c)
# gives exactly the decisions of whole-document evaluation.
#
# For each policy set — every example policy set under policies-examples/
# on its own, all of them together, the benchmark workload bench/policies
# and the sets below — `veto eval` runs over every fixture plan
# (../shared/fixtures/plans, or VETO_FIXTURES; skipped when absent) and a
# generated 300-resource plan, once streaming and once with
# VETO_NO_STREAM=1, writing the json and text views; views, stderr and the
# exit status must be identical byte for byte. VETO_STREAM_TRACE=1 makes
# veto_eval_file say, per input, whether it streamed ("stream: N elements,
# M policies") or evaluated the whole document and why, so the cases below
# also assert which path was taken: that the comparison compares streaming
# with the whole document, not the whole document with itself.
#
# Cases: the bench workload streams all four policies (the deletion count
# as a fold plus a post rule); a global independent of the resources that
# stays across them, and one that follows them; a needed member after
# resource_changes (streamed after the document's end); a member repeated
# before resource_changes (the last wins); fallbacks to the whole document
# on a runtime error, the step budget, the memory cap, a parse error after
# some resources and a truncated plan (same diagnostic), resource_changes
# not an array or twice, a needed member repeated after it, a mask key at
# the root after the resources, no resources, a root that is not an
# object, YAML and stdin; the input hash equals sha256sum, on the thread
# that hashes large inputs too.
#
# Mixed sets (some policies stream, others need the whole list; the trace
# says "stream: mixed, N elements, S streamed + W whole policies"): the
# example library as a whole; whole policies reading resource_changes every
# way (count, index, `any`, sort, joins of addresses, one resource against
# all, tf selections, a secret in a message — redacted alike, a member
# after the list only they read, its secret tainted) between streaming
# ones, a global both read, a whole policy's runtime error as its error
# result; on the generated plan and every fixture plan (most of which must
# stream mixed); fallbacks on a streaming policy's runtime error, a whole
# policy's step budget, the memory cap on the kept entries, a parse error.
#
# Prints one line per failure, then "N passed, N failed" (", 1 skipped" when
# there are no fixture plans: the generated plan still runs).
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
if ! $CC -O2 -std=c11 -o "$tmp/gen_plan" bench/gen_plan.c || ! "$tmp/gen_plan" 300 >"$tmp/gen300.json" ||
    ! "$tmp/gen_plan" 400 >"$tmp/gen400.json"; then
    echo "cannot build bench/gen_plan.c"
    echo "0 passed, 1 failed"
    exit 1
fi

# run DIR ENV... -- VETO-ARGS: one `veto eval` writing DIR/{json,text,err,rc}
run() {
    dir=$1
    shift
    mkdir -p "$dir"
    envs=""
    while [ "$1" != "--" ]; do
        envs="$envs $1"
        shift
    done
    shift
    # shellcheck disable=SC2086 # envs is a list of NAME=VALUE words
    env $envs "$veto" eval "$@" --format "json=$dir/json" --format "text=$dir/text" \
        >"$dir/stdout" 2>"$dir/err"
    echo $? >"$dir/rc"
}

# same NAME VETO-ARGS...: streaming and VETO_NO_STREAM=1 give the same
# views, stderr (trace lines aside) and exit status; DIR/trace keeps the
# streaming run's trace lines for the caller.
same() {
    name=$1
    shift
    a="$tmp/$name.s"
    b="$tmp/$name.w"
    run "$a" VETO_STREAM_TRACE=1 -- "$@"
    run "$b" VETO_NO_STREAM=1 -- "$@"
    grep '^stream: ' "$a/err" >"$tmp/$name.trace"
    grep -v '^stream: ' "$a/err" >"$a/err2"
    cp "$b/err" "$b/err2"
    for f in json text err2 rc stdout; do
        [ -e "$a/$f" ] || [ -e "$b/$f" ] || continue # no view: input errors in both
        if ! cmp -s "$a/$f" "$b/$f"; then
            fail "$name: $f differs streaming and whole ($*)"
            diff "$a/$f" "$b/$f" | head -10
            return 1
        fi
    done
    if ! [ -s "$a/json" ] && [ "$(cat "$a/rc")" != 2 ]; then
        fail "$name: no json view"
        return 1
    fi
    ok
    return 0
}

# traced NAME PATTERN: the streaming run's trace has a line matching PATTERN
traced() {
    if grep -q -E "$2" "$tmp/$1.trace"; then
        ok
    else
        fail "$1: trace does not match '$2':"
        cat "$tmp/$1.trace"
    fi
}

# ---- every policy set on every plan, both ways ----------------------------

set -- "$tmp/gen300.json"
if [ -d "$fixtures" ]; then
    for plan in $(find "$fixtures" -name '*.json' | sort); do
        set -- "$@" "$plan"
    done
else
    echo "skipped: the fixture plans ($fixtures is not here): generated plan only"
    skipped=$((skipped + 1))
fi
n=0
for pol in policies-examples/*/ policies-examples bench/policies; do
    n=$((n + 1))
    inputs=""
    for p in "$@"; do inputs="$inputs --input $p"; done
    # shellcheck disable=SC2086 # inputs is a list of words
    same "set$n" --policy "$pol" $inputs
done
# the bench workload streams, all four policies, on the generated plan
same bench --policy bench/policies --input "$tmp/gen300.json" &&
    traced bench '^stream: 300 elements, 4 policies$'

# ---- policies written to stream in particular ways -------------------------

mkdir -p "$tmp/p/keep" "$tmp/p/late" "$tmp/p/err" "$tmp/p/rare"
# keep: a global independent of the resources (KEEP, computed once and kept
# across them), a global derived from each resource (normalised by tf), a
# fold (count over the stream) read by a post rule
cat >"$tmp/p/keep/keep.veto" <<'VETO'
policy stream.keep
  kind: plan
  severity: high
use tf
let env = input.variables.env.value ?? "none"
let creates = count(tf.with_actions(["create"]))
deny for r in tf.with_actions(["create", "update"])
  when r.type == "aws_s3_bucket" and env == "prod"
  message "${r.address} in ${env}"
warn when creates > 3
  message "${creates} creates in ${env}"
VETO
same keep --policy "$tmp/p/keep" --input "$tmp/gen300.json" &&
    traced keep '^stream: 300 elements, 1 policies$'
# late: a rule reads a member that comes after resource_changes
cat >"$tmp/p/late/late.veto" <<'VETO'
policy stream.late
  kind: plan
let when_ = input.timestamp ?? "?"
deny for rc in input.resource_changes
  when rc.type == "aws_security_group"
  message "${rc.address} at ${when_}"
VETO
same late --policy "$tmp/p/late" --input "$tmp/gen300.json" &&
    traced late '^stream: 300 elements, 1 policies \(deferred\)$'
# err: a runtime error on some resources only (a number added to a string)
cat >"$tmp/p/err/err.veto" <<'VETO'
policy stream.err
  kind: plan
deny for rc in input.resource_changes
  when rc.type == "aws_instance" and rc.name + 1 > 0
  message "${rc.address}"
VETO
same err --policy "$tmp/p/err" --input "$tmp/gen300.json" &&
    traced err '^stream: whole document \(runtime error\)$'
# the step budget and the memory cap reached while streaming
same fuel --policy "$tmp/p/keep" --input "$tmp/gen300.json" --fuel 2000 &&
    traced fuel '^stream: whole document \(runtime error\)$'
same memcap --policy "$tmp/p/keep" --input "$tmp/gen300.json" --mem-cap 1000 &&
    traced memcap '^stream: whole document \((memory cap|runtime error|invalid JSON or out of memory)\)$'
# --mem-cap bounds the memory held: streaming holds one resource, so a cap
# the whole document exceeds still gives the decision (the one evaluating
# the whole document without a cap gives)
run "$tmp/cap.s" VETO_STREAM_TRACE=1 -- --policy "$tmp/p/keep" --input "$tmp/gen300.json" --mem-cap 40000
run "$tmp/cap.w" VETO_NO_STREAM=1 -- --policy "$tmp/p/keep" --input "$tmp/gen300.json" --mem-cap 40000
if [ "$(cat "$tmp/cap.w/rc")" = 2 ] && grep -q '^stream: 300 elements' "$tmp/cap.s/err" &&
    cmp -s "$tmp/cap.s/json" "$tmp/keep.w/json"; then
    ok
else
    fail "cap: streaming under a cap the whole document exceeds"
    head -5 "$tmp/cap.s/err" "$tmp/cap.w/err"
fi

# ---- mixed: policies that stream and policies that need the whole document --

# The example library mixes both (the Kubernetes policies, plan.max_destroys,
# aws.rds.storage_encrypted need the whole list): it streams the others and
# evaluates those on the document rebuilt from what they read of each entry.
same examples --policy policies-examples --input "$tmp/gen300.json" &&
    traced examples '^stream: mixed, 300 elements, [0-9]+ streamed \+ [0-9]+ whole policies$'

mkdir -p "$tmp/p/mix" "$tmp/p/mixlate" "$tmp/p/mixquad" "$tmp/p/mixerr"
# whole-document policies reading resource_changes every way there is —
# counting it, indexing it, `any` over it, sorting and joining addresses,
# one resource against all, tf selections, a secret printed in a message —
# interleaved with streaming ones in program order; a global both read; a
# whole policy with results and then a runtime error (an error result, not
# a fallback), and a post rule of its own
cat >"$tmp/p/mix/a_mixed.veto" <<'VETO'
let env = input.variables.env.value ?? "none"

policy mix.count
  kind: plan
  severity: high
deny when count(input.resource_changes) > 2
  message "${count(input.resource_changes)} changes in ${env}"
warn when any r in input.resource_changes: r.type == "aws_db_instance"
  message "the plan has a database"

policy mix.stream
  kind: plan
  severity: medium
deny for rc in input.resource_changes
  when rc.type == "aws_s3_bucket" and "create" in rc.change.actions
  message "${rc.address} created in ${env}"
deny for rc in input.resource_changes
  when rc.type == "aws_db_instance"
  message "${rc.address} password ${rc.change.after.password ?? "none"}"

policy mix.index
  kind: plan
deny when count(input.resource_changes) > 1 and input.resource_changes[1].type != input.resource_changes[0].type
  message "first two differ: ${input.resource_changes[0].address} ${input.resource_changes[1].address}"
VETO
cat >"$tmp/p/mix/b_whole.veto" <<'VETO'
use tf
policy mix.sorted
  kind: plan
deny when count(input.resource_changes) > 0
  message "first ${sort([r.address for r in input.resource_changes])[0]}, roles ${join([r.name for r in input.resource_changes if r.type == "aws_iam_role"], ",")}"

policy mix.secret
  kind: plan
  severity: critical
deny for r in input.resource_changes
  when r.type == "aws_db_instance" and count(input.resource_changes) > 1
  message "${r.address} password ${r.change.after.password ?? "none"} (of ${count(input.resource_changes)}), tags ${r.change.after.tags}"

policy mix.pairs
  kind: plan
warn for r in input.resource_changes
  when any o in input.resource_changes: o.address != r.address and o.name == r.name
  message "${r.address} shares its name"

policy mix.destroys
  kind: plan
deny when count(tf.destroys()) > 0
  message "destroys: ${join([r.address for r in tf.destroys()], ", ")}"

policy mix.error
  kind: plan
warn for r in input.resource_changes
  when r.type == "aws_iam_role" and count(input.resource_changes) > 0
  message "role ${r.name}"
deny when count(input.resource_changes) + input.resource_changes[0].name > 0
  message "never"
warn message "not reached"
VETO
cat >"$tmp/p/mix/c_stream.veto" <<'VETO'
use tf
policy mix.tags
  kind: plan
  severity: low
warn for r in tf.with_actions(["create", "update"])
  when not is_defined(r.after.tags.owner)
  message "${r.address} has no owner"
VETO
same mix --policy "$tmp/p/mix" --input "$tmp/gen300.json" &&
    traced mix '^stream: mixed, 300 elements, 2 streamed \+ 7 whole policies$' &&
    if grep -q 'cannot add' "$tmp/mix.s/text" && grep -q 'password (sensitive) (of 300)' "$tmp/mix.s/text" &&
        ! grep -q 's3cr3t' "$tmp/mix.s/json" "$tmp/mix.s/text"; then
        ok
    else
        fail "mix: no error result, or a secret not redacted"
    fi
# every fixture plan, and the example library on each
for p in "$@"; do
    [ "$p" = "$tmp/gen300.json" ] && continue
    name=fix$(printf '%s' "$p" | cksum | cut -d' ' -f1)
    same "$name" --policy "$tmp/p/mix" --input "$p" || continue
    same "$name.ex" --policy policies-examples --input "$p"
    cat "$tmp/$name.trace" >>"$tmp/fixtures.trace"
done
if [ $# -gt 1 ]; then
    if [ "$(grep -c '^stream: mixed' "$tmp/fixtures.trace")" -ge $((($# - 1) / 2)) ]; then
        ok
    else
        fail "fixtures: fewer than half the plans streamed mixed:"
        sort "$tmp/fixtures.trace" | uniq -c | head
    fi
fi
# a member after resource_changes that only a whole policy reads (and a
# secret in it, tainted although the entries had been streamed by then):
# the entries still stream as they are read; one a streaming policy reads:
# they stream after the document's end
cat >"$tmp/p/mixlate/late.veto" <<'VETO'
policy late.whole
  kind: plan
deny when count(input.resource_changes) > 0
  message "at ${input.timestamp}: ${count(input.resource_changes)} changes, password ${input.output_changes.db_password.after}"
policy late.stream
  kind: plan
deny for rc in input.resource_changes
  when rc.type == "aws_security_group"
  message "${rc.address}"
VETO
same mixlate --policy "$tmp/p/mixlate" --input "$tmp/gen300.json" &&
    traced mixlate '^stream: mixed, 300 elements, 1 streamed \+ 1 whole policies$' &&
    if grep -q 'password (sensitive)' "$tmp/mixlate.s/text"; then ok; else fail "mixlate: secret shown"; fi
cp "$tmp/p/late/late.veto" "$tmp/p/mixlate/late2.veto"
same mixlate2 --policy "$tmp/p/mixlate" --input "$tmp/gen300.json" &&
    traced mixlate2 '^stream: mixed, 300 elements, 2 streamed \+ 1 whole policies \(deferred\)$'
# fallbacks: a runtime error in a streaming policy; the step budget, which a
# whole policy evaluated alone may spend differently (globals another policy
# computed on the whole document), so any limit there falls back; the
# memory cap on the entries kept; a parse error after some entries
cp "$tmp/p/err/err.veto" "$tmp/p/mixerr/"
cp "$tmp/p/mixlate/late.veto" "$tmp/p/mixerr/whole.veto"
sed -i '/^policy late.stream/,$d' "$tmp/p/mixerr/whole.veto"
same mixerr --policy "$tmp/p/mixerr" --input "$tmp/gen300.json" &&
    traced mixerr '^stream: whole document \(runtime error\)$'
cat >"$tmp/p/mixquad/quad.veto" <<'VETO'
policy quad.whole
  kind: plan
warn for r in input.resource_changes
  when any o in input.resource_changes: o.address != r.address and o.name == r.name
  message "${r.address}"
policy quad.stream
  kind: plan
deny for rc in input.resource_changes
  when rc.type == "aws_security_group"
  message "${rc.address}"
VETO
same mixfuel --policy "$tmp/p/mixquad" --input "$tmp/gen300.json" --fuel 50000 &&
    traced mixfuel '^stream: whole document \(resource limit in a policy that does not stream\)$' &&
    if grep -q 'step budget' "$tmp/mixfuel.s/text"; then ok; else fail "mixfuel: no step budget error"; fi
same mixquad --policy "$tmp/p/mixquad" --input "$tmp/gen300.json" &&
    traced mixquad '^stream: mixed, 300 elements, 1 streamed \+ 1 whole policies$'
same mixcap --policy "$tmp/p/mix" --input "$tmp/gen300.json" --mem-cap 100000 &&
    traced mixcap '^stream: whole document \(out of memory keeping an entry\)$'

# ---- inputs streaming must hand to the whole document ----------------------

# a parse error after some resources (a bad byte where a string should
# start, well inside resource_changes): the whole document's diagnostic.
# The 400-resource plan is above 1 MiB: its hash is taken on another
# thread, abandoned here when the document is dropped.
rcat=$(grep -b -o '"resource_changes":' "$tmp/gen400.json" | head -1 | cut -d: -f1)
at=$(grep -b -o '"type":"aws_iam_role"' "$tmp/gen400.json" |
    awk -F: -v min=$((rcat + 200000)) '$1 > min { print $1 + 7; exit }')
cp "$tmp/gen400.json" "$tmp/broken.json"
if [ -n "$at" ] && printf '@' | dd of="$tmp/broken.json" bs=1 seek="$at" conv=notrunc 2>/dev/null &&
    ! cmp -s "$tmp/broken.json" "$tmp/gen400.json"; then
    same broken --policy "$tmp/p/keep" --input "$tmp/broken.json" &&
        traced broken '^stream: whole document \(invalid JSON or out of memory\)$' &&
        if grep -q 'invalid JSON' "$tmp/broken.s/err"; then ok; else fail "broken: no diagnostic"; fi &&
        same mixbroken --policy "$tmp/p/mix" --input "$tmp/broken.json" &&
        traced mixbroken '^stream: whole document \(invalid JSON or out of memory\)$'
else
    fail "broken: could not corrupt the generated plan"
fi
# truncated in the middle of resource_changes
head -c $((rcat + 100000)) "$tmp/gen300.json" >"$tmp/cut.json"
same cut --policy "$tmp/p/keep" --input "$tmp/cut.json" &&
    traced cut '^stream: whole document \(invalid JSON or out of memory\)$'
# small hand-written plans
rc1='{"address":"aws_s3_bucket.a","type":"aws_s3_bucket","name":"a","mode":"managed","change":{"actions":["create"],"after":{"acl":"public-read"},"after_sensitive":{}}}'
rc2='{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}'
vars='"variables":{"env":{"value":"prod"}}'
printf '{%s,"resource_changes":{"a":%s}}\n' "$vars" "$rc1" >"$tmp/notarray.json"
printf '{%s,"resource_changes":[%s],"resource_changes":[%s]}\n' "$vars" "$rc1" "$rc2" >"$tmp/dup.json"
printf '{%s,"resource_changes":[%s,%s],"variables":{"env":{"value":"dev"}}}\n' "$vars" "$rc1" "$rc2" \
    >"$tmp/dupkeep.json"
printf '{"variables":{"env":{"value":"dev"}},%s,"resource_changes":[%s,%s]}\n' "$vars" "$rc1" "$rc2" \
    >"$tmp/dupbefore.json"
printf '{%s,"resource_changes":[%s,%s],"sensitive":true}\n' "$vars" "$rc1" "$rc2" >"$tmp/rare.json"
printf '{%s,"resource_changes":[]}\n' "$vars" >"$tmp/empty.json"
printf '{%s,"resource_changes":[%s,%s]}\n' "$vars" "$rc1" "$rc2" >"$tmp/ok.json"
printf '[%s]\n' "$rc1" >"$tmp/array.json"
for c in notarray:'whole document \(input not shaped for streaming\)' \
    dup:'whole document \(input not shaped for streaming\)' \
    dupkeep:'whole document \(input not shaped for streaming\)' \
    rare:'whole document \(input not shaped for streaming\)' \
    empty:'whole document \(no entries\)' \
    array:'whole document \(input not shaped for streaming\)' \
    dupbefore:'^stream: 2 elements, 1 policies$' \
    ok:'^stream: 2 elements, 1 policies$'; do
    name=${c%%:*}
    same "$name" --policy "$tmp/p/keep" --input "$tmp/$name.json" && traced "$name" "${c#*:}"
done
# YAML and stdin are never streamed (nothing is traced), and agree
printf 'variables:\n  env:\n    value: prod\nresource_changes:\n  - address: aws_s3_bucket.a\n    type: aws_s3_bucket\n    name: a\n    change:\n      actions: [create]\n      after: {}\n' \
    >"$tmp/plan.yaml"
same yaml --policy "$tmp/p/keep" --input "$tmp/plan.yaml" &&
    if [ -s "$tmp/yaml.trace" ]; then fail "yaml: traced as streamed"; else ok; fi
run "$tmp/stdin.s" VETO_STREAM_TRACE=1 -- --policy "$tmp/p/keep" --input - <"$tmp/ok.json"
run "$tmp/stdin.w" VETO_NO_STREAM=1 -- --policy "$tmp/p/keep" --input - <"$tmp/ok.json"
if cmp -s "$tmp/stdin.s/json" "$tmp/stdin.w/json" && ! grep -q '^stream' "$tmp/stdin.s/err"; then
    ok
else
    fail "stdin: streamed or differs"
fi
# the streamed decision is the same as the whole one's, input hash included
# (sha256sum of the file)
want=$(sha256sum "$tmp/gen300.json" | cut -d' ' -f1)
if grep -q "\"input\": \"$want\"" "$tmp/keep.s/json"; then ok; else fail "keep: input hash is not sha256sum"; fi
# above 1 MiB the hash is taken on another thread: streaming, projected
# and whole loads (from the file, from the mapping, from memory) agree
want=$(sha256sum "$tmp/gen400.json" | cut -d' ' -f1)
for mode in VETO_STREAM_TRACE=1 VETO_NO_STREAM=1 VETO_NO_PROJECTION=1; do
    run "$tmp/h400" "$mode" -- --policy "$tmp/p/keep" --input "$tmp/gen400.json"
    if grep -q "\"input\": \"$want\"" "$tmp/h400/json"; then
        ok
    else
        fail "hash of a large plan with $mode is not sha256sum"
    fi
done

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
