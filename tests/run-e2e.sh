#!/bin/bash
# run-e2e.sh — end-to-end tests of the orchestrator (veto run, approve,
# reject, apply, lock, unlock, trigger, drift, stacks, runs, show, graph)
# against a fake `terraform` (tests/e2e/bin/terraform) that prints fixture
# plans per stack directory and logs every apply it receives.
#
# Each test copies tests/e2e/project to a fresh directory. Ends with
# "N passed, N failed". VETO is the binary under test (default build/veto).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
VETO=${VETO:-$root/build/veto}
tmp=$(mktemp -d)
trap 'jobs -p | xargs -r kill -9 2>/dev/null; rm -rf "$tmp"' EXIT
export PATH="$root/tests/e2e/bin:$PATH" LC_ALL=C TZ=UTC
unset VETO_ACTOR GITHUB_ACTOR GITLAB_USER_LOGIN VETO_CONFIG VETO_STORE
passed=0
failed=0
test_name=""
test_failed=0

# new_project NAME — a fresh copy of the project; cd into it.
new_project() {
    test_name=$1
    test_failed=0
    proj="$tmp/$1"
    rm -rf "$proj"
    cp -r "$root/tests/e2e/project" "$proj"
    cd "$proj" || exit 1
    export FAKE_TF_LOG="$proj/apply.log" FAKE_TF_CALLS="$proj/calls.log"
    : >apply.log
    : >calls.log
}

fail() {
    echo "FAIL: $test_name: $*"
    test_failed=1
}

# end_test — counts the test.
end_test() {
    if [ "$test_failed" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    cd "$tmp" || exit 1
}

# t EXIT CMD... — runs CMD (stdout+stderr to $out), checks its exit status.
t() {
    want=$1
    shift
    "$@" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" != "$want" ]; then
        fail "'$*' exited $got, expected $want; output:"
        sed 's/^/    | /' "$tmp/out"
    fi
}

# has TEXT — the last output contains TEXT; hasnt TEXT — it does not.
has() { grep -qF -- "$1" "$tmp/out" || { fail "output lacks '$1'"; sed 's/^/    | /' "$tmp/out"; }; }
hasnt() { ! grep -qF -- "$1" "$tmp/out" || fail "output holds '$1'"; }

# same EXPECTED — the last output, normalised, is exactly EXPECTED.
norm() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z/TIME/g' \
        -e 's/sha256:[0-9a-f]{64}/sha256:HASH/g' -e 's/pid [0-9]+ on [^)]*/pid PID on HOST/g'
}
same() {
    if ! diff -u <(printf '%s\n' "$1") <(norm <"$tmp/out") >"$tmp/diff"; then
        fail "output differs:"
        sed 's/^/    /' "$tmp/diff"
    fi
}

applies() { grep -c "^apply $1 " apply.log; }
state_of() { "$VETO" runs --format json | grep "\"id\":$1," | sed -E 's/.*"state":"([a-z_]+)".*/\1/'; }
events() { sqlite3 .veto/veto.db "SELECT count(*) FROM run_events"; }

# ---- the gates --------------------------------------------------------------

new_project hard-deny
t 1 "$VETO" run bad --as alice
has "plan denied by policy: bucket aws_s3_bucket.public has ACL public-read"
[ "$(applies bad)" = 0 ] || fail "bad was applied"
[ "$(state_of 1)" = failed ] || fail "run 1 is $(state_of 1)"
t 1 "$VETO" run bad --as alice --override "I insist"
[ "$(applies bad)" = 0 ] || fail "an override applied a hard deny"
end_test

new_project soft-deny-override
t 1 "$VETO" run soft --as alice
has "soft-mandatory"
[ "$(applies soft)" = 0 ] || fail "soft was applied without an override"
t 1 "$VETO" run soft --as dave --override "legacy"
has "dave may not run stack 'soft'"
t 0 "$VETO" run soft --as alice --override "legacy bucket, ticket 42"
[ "$(applies soft)" = 1 ] || fail "soft not applied after an override"
t 0 "$VETO" show 2
has "override:  by alice: legacy bucket, ticket 42"
end_test

new_project approval
t 4 "$VETO" run db --as alice
has "db: run 1 awaits approval"
[ "$(applies db)" = 0 ] || fail "applied before approval"
t 1 "$VETO" approve 1 --as alice
has "alice may not approve their own run 1"
t 1 "$VETO" approve 1 --as dave
has "dave may not review runs of stack 'db'"
t 4 "$VETO" approve 1 --as bob --comment "looks fine"
[ "$(applies db)" = 0 ] || fail "applied after one approval"
t 4 "$VETO" apply 1 --as alice
has "awaits approval"
[ "$(applies db)" = 0 ] || fail "veto apply applied an unapproved run"
t 0 "$VETO" approve 1 --as carol
[ "$(applies db)" = 1 ] || fail "not applied once after two approvals"
grep -q "^apply db run=1 " apply.log || fail "the apply was not run 1's"
t 1 "$VETO" approve 1 --as bob
has "run 1 is finished"
t 0 "$VETO" show 1
has "state:     finished"
has "approval:  approved"
hasnt "hunter2-SECRET"
hasnt "root-SECRET-admin"
has "connecting with password (sensitive)"
has "admin is (sensitive)"
t 0 "$VETO" show 1 --format json
hasnt "hunter2-SECRET"
end_test

new_project reject
t 4 "$VETO" run db --as alice
t 4 "$VETO" approve 1 --as bob
t 1 "$VETO" reject 1 --as carol -m "not during the audit"
has "run 1 rejected: rejected by carol: not during the audit"
t 1 "$VETO" approve 1 --as bob
t 1 "$VETO" apply 1 --as alice
has "run 1 is rejected"
[ "$(applies db)" = 0 ] || fail "a rejected run applied"
[ "$(state_of 1)" = rejected ] || fail "run 1 is $(state_of 1)"
t 0 "$VETO" run tools --as alice
has "tools: run 2 finished"
end_test

new_project access-refused
t 1 "$VETO" run network --as dave
same "veto: dave may not run stack 'network': no access policy allows it"
t 1 "$VETO" run tools --as mallory
same "veto: mallory may not run stack 'tools': mallory is banned"
[ -s calls.log ] && fail "terraform was called: $(cat calls.log)"
t 0 "$VETO" runs
same "no runs"
t 4 "$VETO" run tools --as dave
has "dave may not apply stack 'tools'"
[ "$(applies tools)" = 0 ] || fail "dave applied"
t 0 "$VETO" apply 1 --as bob
[ "$(applies tools)" = 1 ] || fail "self-service run by dave did not apply after veto apply"
n=$(sqlite3 .veto/veto.db "SELECT count(*) FROM run_events WHERE kind='access' AND run_id=0")
[ "$n" = 2 ] || fail "expected 2 recorded refusals, got $n"
end_test

new_project manual-apply
t 4 "$VETO" run manual --as alice
has "is approved and waits for \`veto apply 1\`"
[ "$(applies manual)" = 0 ] || fail "applied before veto apply"
t 1 "$VETO" apply 1 --as dave
has "dave may not apply stack 'manual'"
t 0 "$VETO" apply 1 --as bob
[ "$(applies manual)" = 1 ] || fail "veto apply did not apply"
end_test

# ---- locks and staleness ------------------------------------------------------

new_project concurrent
echo 2 >stacks/network/plan.sleep
"$VETO" run network --as alice >"$tmp/c1" 2>&1 &
p1=$!
"$VETO" run network --as bob >"$tmp/c2" 2>&1 &
p2=$!
wait $p1
e1=$?
wait $p2
e2=$?
[ "$(applies network)" = 1 ] || fail "network applied $(applies network) times"
codes=$(printf '%s\n' "$e1" "$e2" | sort | tr '\n' ' ')
[ "$codes" = "0 1 " ] || fail "exit codes were $e1 and $e2"
cat "$tmp/c1" "$tmp/c2" >"$tmp/out"
has "is locked by run"
rm stacks/network/plan.sleep
t 0 "$VETO" run network --as alice --wait 5
[ "$(applies network)" = 2 ] || fail "a later run did not apply"
end_test

new_project lock-wait
echo 2 >stacks/network/plan.sleep
"$VETO" run network --as alice >"$tmp/c1" 2>&1 &
p1=$!
for _ in $(seq 50); do grep -q "network plan" calls.log && break; sleep 0.1; done
t 0 "$VETO" run network --as bob --wait 30
has "waits up to 30s for the lock"
wait $p1 || fail "the first run failed"
[ "$(applies network)" = 2 ] || fail "network applied $(applies network) times, expected 2 (one after the other)"
end_test

new_project manual-lock
t 0 "$VETO" lock network --as alice --reason "maintenance window"
t 1 "$VETO" run network --as bob
has "stack 'network' is locked by alice since"
has "maintenance window"
t 1 "$VETO" unlock network --as dave
has "dave may not unlock stack 'network'"
t 0 "$VETO" unlock network --as alice
t 2 "$VETO" unlock network --as alice
same "veto: stack 'network' is not locked"
t 0 "$VETO" run network --as bob
end_test

new_project stale
t 4 "$VETO" run db --as alice
t 1 "$VETO" run db --as bob
has "locked by run 1"
t 0 "$VETO" unlock db --as alice
has "was held by run 1"
t 4 "$VETO" run db --as bob
t 4 "$VETO" approve 3 --as alice
t 0 "$VETO" approve 3 --as carol
t 4 "$VETO" approve 1 --as bob
t 1 "$VETO" approve 1 --as carol
has "run 1 stale"
[ "$(applies db)" = 1 ] || fail "db applied $(applies db) times"
grep -q "^apply db run=3 " apply.log || fail "the apply was not run 3's"
[ "$(state_of 1)" = stale ] || fail "run 1 is $(state_of 1)"
t 1 "$VETO" apply 1 --as alice
has "run 1 is stale"
[ "$(applies db)" = 1 ] || fail "a stale plan applied"
end_test

# ---- many stacks --------------------------------------------------------------

new_project all
t 1 "$VETO" run --all --as alice -j 4
for s in network app web tools; do
    [ "$(applies $s)" = 1 ] || fail "$s applied $(applies $s) times: $(cat apply.log)"
done
for s in bad db soft; do
    [ "$(applies $s)" = 0 ] || fail "blocked stack $s applied"
done
first=$(grep -n "^apply network " apply.log | cut -d: -f1)
for dep in app web; do
    line=$(grep -n "^apply $dep " apply.log | cut -d: -f1)
    [ "$line" -gt "$first" ] || fail "$dep applied before network"
done
n=$(grep -n "^network plan" calls.log | head -1 | cut -d: -f1)
for dep in app web; do
    line=$(grep -n "^$dep plan" calls.log | head -1 | cut -d: -f1)
    [ "$line" -gt "$(grep -n "^network output" calls.log | cut -d: -f1)" ] ||
        fail "$dep planned before network's outputs were captured"
done
[ -n "$n" ] || fail "network never planned"
grep -q "^env app VETO_OUT_NETWORK_VPC_ID=vpc-0abc$" calls.log || fail "app did not get network's outputs"
id=$("$VETO" runs app --format json | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
t 0 "$VETO" show "$id"
has "token (sensitive) vpc vpc-0abc"
hasnt "tok-SECRET-1234"
end_test

new_project all-failure
touch stacks/network/apply.fail
t 3 "$VETO" run network app web tools --as alice
[ "$(applies tools)" = 1 ] || fail "the sibling tools did not apply"
for s in app web; do
    [ "$(applies $s)" = 0 ] || fail "$s, a dependent of a failed stack, applied"
done
grep -q "^app plan" calls.log && fail "a dependent of a failed stack planned"
t 0 "$VETO" runs --format json
for s in app web; do
    grep "\"stack\":\"$s\"" "$tmp/out" | grep -q '"state":"discarded"' || fail "$s not discarded"
done
grep '"stack":"network"' "$tmp/out" | grep -q '"state":"failed"' || fail "network not failed"
t 0 "$VETO" runs app
has "discarded"
id=$("$VETO" runs app --format json | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
t 0 "$VETO" show "$id"
has "dependency 'network' failed"
end_test

new_project trigger
t 0 "$VETO" trigger --changed stacks/network/main.tf --dry-run --as alice
same "network
app
web
3 stacks chosen by the changed directories"
t 0 "$VETO" trigger --changed ./stacks/tools/main.tf --as alice
[ "$(applies tools)" = 1 ] || fail "trigger did not run tools"
t 0 "$VETO" trigger --changed README.md --as alice
has "0 stacks chosen"
mkdir -p policies/trigger
cat >policies/trigger/t.veto <<'P'
policy e2e.trigger
  kind: trigger
trigger "web" when any f in input.changed: f like "stacks/web/**"
trigger "tools" when input.branch == "main"
P
printf '  - policies/trigger\n' >tmp.yaml
sed '/^  - policies\/drift$/r tmp.yaml' veto.yaml >v2.yaml && mv v2.yaml veto.yaml
t 0 "$VETO" trigger --changed stacks/web/main.tf --branch main --dry-run --as alice
same "web
tools
2 stacks chosen by the trigger policies"
end_test

# ---- drift --------------------------------------------------------------------

new_project drift
t 0 "$VETO" drift network --as alice
has "0 resources drifted"
sed 's/"resource_changes"/"resource_drift": [{"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main", "change": {"actions": ["update"], "before": {}, "after": {}}}], "resource_changes"/' \
    stacks/network/plan.json >stacks/network/drift.json
t 1 "$VETO" drift network --as alice
has "1 resource drifted; drift policies: fail"
has "aws_vpc.main drifted outside Terraform"
t 0 "$VETO" stacks
has "1 drifted (fail)"
t 1 "$VETO" drift --all --as dave
has "dave may not check drift"
t 0 "$VETO" drift network --as alice --remediate
[ "$(applies network)" = 1 ] || fail "remediation did not apply"
t 0 "$VETO" runs network --format json
has '"trigger":"drift"'
end_test

# ---- killed processes ---------------------------------------------------------

# kill_during PHASE FILE PATTERN — SIGKILL veto while PATTERN shows in FILE.
kill_during() {
    "$VETO" run network --as alice >"$tmp/k" 2>&1 &
    kp=$!
    for _ in $(seq 100); do grep -q "$3" "$2" && break; sleep 0.1; done
    grep -q "$3" "$2" || fail "never reached $1: $3"
    kill -9 "$kp"
    wait "$kp" 2>/dev/null
}

new_project kill-planning
echo 3 >stacks/network/plan.sleep
kill_during planning calls.log "^network plan"
[ "$(sqlite3 .veto/veto.db 'PRAGMA integrity_check')" = ok ] || fail "store integrity"
before=$(events)
sqlite3 .veto/veto.db "SELECT id, kind, ifnull(to_state, ''), message FROM run_events ORDER BY id" >"$tmp/ev1"
grep -q "|state|planning|planning" "$tmp/ev1" || fail "the planning event is missing"
t 0 "$VETO" runs
has "failed"
after=$(events)
[ "$after" -ge $((before + 1)) ] || fail "recovery recorded nothing ($before -> $after)"
sqlite3 .veto/veto.db "SELECT id, kind, ifnull(to_state, ''), message FROM run_events ORDER BY id" | head -n "$before" >"$tmp/ev2"
cmp -s "$tmp/ev1" "$tmp/ev2" || fail "recorded events changed after the kill"
t 0 "$VETO" show 1
has "interrupted while planning"
has "planning -> failed"
[ "$(applies network)" = 0 ] || fail "a killed plan applied"
sleep 3
rm stacks/network/plan.sleep
t 0 "$VETO" run network --as alice
[ "$(applies network)" = 1 ] || fail "the stack stayed locked after the kill"
end_test

new_project kill-applying
echo 3 >stacks/network/apply.sleep
kill_during applying apply.log "^apply network"
[ "$(sqlite3 .veto/veto.db 'PRAGMA integrity_check')" = ok ] || fail "store integrity"
before=$(events)
t 0 "$VETO" show 1
has "interrupted while applying"
has "applying -> failed"
has "checking -> applying"
[ "$(events)" -gt "$before" ] || fail "recovery recorded nothing"
t 0 "$VETO" stacks
hasnt "run 1 (alice)"
sleep 3
end_test

# ---- user errors --------------------------------------------------------------

new_project errors
t 2 "$VETO" run netwrk --as alice
same "veto run: unknown stack 'netwrk'; did you mean 'network'?
Try 'veto run --help' for more information."
t 2 "$VETO" run network
same "veto run: who is acting? give --as NAME, or set VETO_ACTOR (in CI, GITHUB_ACTOR or GITLAB_USER_LOGIN is used)"
VETO_ACTOR=alice t 0 "$VETO" run network
t 2 "$VETO" run --as alice
has "no stack given"
t 2 "$VETO" approve abc --as alice
has "RUN must be a run number"
t 2 "$VETO" show 99
same "veto show: no run 99 (see veto runs)"
cat >bad.yaml <<'Y'
version: 1
stacks:
  a:
    dir: stacks/network
    dependson: [b]
    depends_on: [b]
  b:
    dir: stacks/app
    depends_on: [c]
  c:
    depends_on: [a]
    timeout: soon
  d:
    depends_on: [nope]
Y
t 2 "$VETO" run a --as alice --config bad.yaml
same "bad.yaml:5:5: error: stack 'a': unknown key 'dependson'; did you mean 'depends_on'?
bad.yaml:12:14: error: timeout must be a positive duration like 90, 90s, 15m or 2h (at most a week)
bad.yaml:14:18: error: stack 'd' depends on unknown stack 'nope'
bad.yaml:3:3: error: dependency cycle: a -> b -> c -> a"
t 2 "$VETO" graph --config bad.yaml
has "dependency cycle: a -> b -> c -> a"
printf 'stacks:\n  a: [unclosed\n' >broken.yaml
t 2 "$VETO" stacks --config broken.yaml
has "broken.yaml:3:1: error: invalid YAML"
mkdir empty
(cd empty && t 2 "$VETO" runs)
same "veto runs: no veto.yaml in the current directory; give one with --config FILE or set VETO_CONFIG"
cat >missing.yaml <<'Y'
stacks:
  x:
    dir: stacks/network
    plan: no-such-terraform plan
Y
t 3 "$VETO" run x --as alice --config missing.yaml
has "plan command failed (exit status 127)"
id=$("$VETO" runs x --config missing.yaml --format json | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
t 0 "$VETO" show "$id" --config missing.yaml
has "no-such-terraform"
has "not found"
cat >nodir.yaml <<'Y'
stacks:
  x:
    dir: stacks/nowhere
Y
t 3 "$VETO" run x --as alice --config nodir.yaml
has "directory 'stacks/nowhere' does not exist"
printf 'policies: [nope/]\nstacks:\n  x: {dir: stacks/network}\n' >nopol.yaml
t 2 "$VETO" run x --as alice --config nopol.yaml
has "policy path 'nope/' (from nopol.yaml) cannot be read"
end_test

new_project graph
t 0 "$VETO" graph
same "level 0
  network
  tools
  db
  bad
  soft
  manual
level 1
  app  <- network
  web  <- network"
t 0 "$VETO" graph --format dot
has '"network" -> "app";'
has 'digraph stacks {'
end_test

new_project show-timeline
t 4 "$VETO" run db --as alice
t 4 "$VETO" approve 1 --as bob -m "ok by me"
t 0 "$VETO" show 1
same "run 1 of stack db
state:     awaiting_approval
author:    alice (manual)
created:   TIME
plan:      sha256:HASH
  changes: 1 (create 1)
  aws_db_instance: create 1
policies:  pass
  pass: 2 policies, 0 denied, 0 warned, 0 errors
approval:  waiting
reviews:
  TIME  approve  bob [\"platform\"]  ok by me
timeline:
  TIME  alice       -> queued                     run queued (manual)
  TIME  alice      lock                           stack locked for the run
  TIME  alice      queued -> planning             planning
  TIME  alice      planning -> checking           plan made: 1 change (sha256:HASH)
  TIME  alice      policy                         plan policies: pass (2 policies)
  TIME  alice      checking -> awaiting_approval  waiting for approval
  TIME  bob        review                         approve: ok by me
log (tail; sensitive values redacted):
  | --- plan
  | connecting with password (sensitive)
  | admin is (sensitive)
  | Terraform used the selected providers to generate the following execution plan.
  | Plan: (fake) saved to tfplan"
end_test

# ---- the demo in examples/stacks, with the example policy library -------------

test_name=demo
test_failed=0
mkdir -p "$tmp/demo/examples"
cp -r "$root/examples/stacks" "$tmp/demo/examples/stacks"
rm -rf "$tmp/demo/examples/stacks/.veto"
ln -s "$root/policies-examples" "$tmp/demo/policies-examples"
cd "$tmp/demo/examples/stacks" || exit 1
t 1 "$VETO" run --all --as alice
has "monitoring: run 3 finished: applied"
has "network: run 1 awaits approval"
has "app: run 2 discarded: dependency 'network' awaits approval or a manual apply"
t 4 "$VETO" approve 1 --as bob
t 0 "$VETO" approve 1 --as carol
has "network: run 1 finished: applied"
t 4 "$VETO" run app --as dave
has "dave may not apply stack 'app'"
t 0 "$VETO" apply 4 --as alice
has "app: run 4 finished: applied"
t 0 "$VETO" show 4
has "applying app (demo), vpc=vpc-0demo"
t 1 "$VETO" lock network --as dave
has "dave may not lock stack 'network'"
end_test

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
