#!/bin/sh
# run-validators.sh — the machine-read views of `veto eval` checked by real
# validators, over a matrix of runs (the bundled examples, the gate's
# waivers/overrides/--source-dir/--context/--fail-on, access and approval
# kinds, a runtime error, many inputs, shared fixture plans):
#
#   json   against docs/decision.schema.json with ajv-cli (JSON Schema draft 7)
#   sarif  with @microsoft/sarif-multitool validate; it exits 0 even when the
#          file is invalid, so the log is read and any result of level error
#          fails the test
#   junit  with xmllint against tests/golden/gate/data/junit.xsd
#
# The node tools are installed by scripts/install-deps.sh into
# $VETO_NODE_DIR (default ~/.cache/veto-node); .ci/run runs that, so CI never
# skips a validator. Without node tools or xmllint the checks that need them
# are counted as skipped, with a note saying why; so are the fixture runs
# when $VETO_FIXTURES/plans (default ../shared/fixtures/plans) is not here,
# which VETO_REQUIRE_VALIDATORS=1 allows: it is about validators only.
set -u

root=${VETO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
veto=${VETO:-$root/build/veto}
fixtures=${VETO_FIXTURES:-$root/../shared/fixtures}
node_dir=${VETO_NODE_DIR:-${HOME:-/root}/.cache/veto-node}
ajv="$node_dir/node_modules/.bin/ajv"
sarif="$node_dir/node_modules/.bin/sarif-multitool"
schema=docs/decision.schema.json
xsd=tests/golden/gate/data/junit.xsd
data=tests/golden/gate/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
skipped=0         # checks whose validator is missing
fixture_skipped=0 # checks of the fixture runs, when the fixtures are not here

have_ajv=0
have_sarif=0
have_xmllint=0
if command -v node >/dev/null 2>&1 && [ -x "$ajv" ]; then have_ajv=1; else
    echo "skipped: JSON Schema checks (no node or no $ajv; run scripts/install-deps.sh)"
fi
if command -v node >/dev/null 2>&1 && [ -e "$sarif" ]; then have_sarif=1; else
    echo "skipped: SARIF checks (no node or no $sarif; run scripts/install-deps.sh)"
fi
if command -v xmllint >/dev/null 2>&1; then have_xmllint=1; else
    echo "skipped: JUnit checks (no xmllint: Debian package libxml2-utils)"
fi
# npm may not run the package's postinstall (chmod u+x of the native binary).
native="$node_dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
[ ! -f "$native" ] || [ -x "$native" ] || chmod u+x "$native" 2>/dev/null || true

if [ "$have_ajv" -eq 1 ]; then
    if "$ajv" compile --spec=draft7 --strict=false -s "$schema" >"$tmp/compile.log" 2>&1; then
        passed=$((passed + 1))
    else
        echo "FAIL: $schema does not compile"
        cat "$tmp/compile.log"
        failed=$((failed + 1))
    fi
fi

# run NAME VETO-ARGS...: writes NAME.json, NAME.sarif, NAME.junit and
# validates each.
run() {
    name=$1
    shift
    "$veto" eval "$@" --format "json=$tmp/$name.json" --format "sarif=$tmp/$name.sarif" \
        --format "junit=$tmp/$name.junit" >"$tmp/$name.out" 2>&1
    rc=$?
    if [ "$rc" -gt 3 ] || [ ! -s "$tmp/$name.json" ]; then
        echo "FAIL: $name: veto eval exited $rc"
        cat "$tmp/$name.out"
        failed=$((failed + 1))
        return
    fi
    if [ "$have_ajv" -eq 1 ]; then
        if "$ajv" validate --spec=draft7 --strict=false -s "$schema" -d "$tmp/$name.json" \
            >"$tmp/$name.ajv" 2>&1; then
            passed=$((passed + 1))
        else
            echo "FAIL: $name.json does not match $schema"
            cat "$tmp/$name.ajv"
            failed=$((failed + 1))
        fi
    else
        skipped=$((skipped + 1))
    fi
    if [ "$have_sarif" -eq 1 ]; then
        rm -f "$tmp/$name.sarif.log"
        "$sarif" validate "$tmp/$name.sarif" -o "$tmp/$name.sarif.log" >"$tmp/$name.mt" 2>&1
        if [ ! -s "$tmp/$name.sarif.log" ]; then
            echo "FAIL: $name.sarif: the validator wrote no log"
            cat "$tmp/$name.mt"
            failed=$((failed + 1))
        elif python3 - "$tmp/$name.sarif.log" <<'PY'; then
import json, sys
log = json.load(open(sys.argv[1]))
bad = [r for run in log.get("runs", []) for r in run.get("results", [])
       if r.get("level", "warning") == "error"]
for r in bad:
    loc = r.get("locations", [{}])[0].get("physicalLocation", {}).get("region", {})
    print("  %s line %s: %s" % (r.get("ruleId"), loc.get("startLine"),
                                r.get("message", {}).get("arguments") or r.get("message")))
sys.exit(1 if bad else 0)
PY
            passed=$((passed + 1))
        else
            echo "FAIL: $name.sarif has SARIF errors (above)"
            failed=$((failed + 1))
        fi
    else
        skipped=$((skipped + 1))
    fi
    if [ "$have_xmllint" -eq 1 ]; then
        if xmllint --noout --schema "$xsd" "$tmp/$name.junit" >"$tmp/$name.xml.log" 2>&1; then
            passed=$((passed + 1))
        else
            echo "FAIL: $name.junit does not match $xsd"
            cat "$tmp/$name.xml.log"
            failed=$((failed + 1))
        fi
    else
        skipped=$((skipped + 1))
    fi
}

run examples --policy policies-examples --input examples/plan.json
run gate --policy policies-examples --input examples/plan.json --source-dir "$data/tf" \
    --waivers "$data/waivers.yaml" --context "$data/context.json" \
    --override VETO-PLAN-001 --reason 'cleanup <CHG-881> & "friends"' --by dana \
    --overrides "$data/overrides.json" --fail-on warn
run leaky --policy "$data/leaky.veto" --input examples/plan.json
run access --kind access --policy policies-examples/access --input examples/access-apply.json \
    --context examples/context-weekend-dev.json
run approval --kind approval --policy policies-examples/approval \
    --input examples/approval-run-rejected.json
run runtime-error --policy tests/golden/cli/eval-runtime-error/divide.veto \
    --input tests/golden/cli/eval-runtime-error/input.json
run pass --policy policies-examples/aws/s3_public_acl.veto --input examples/access-apply.json
plans="$fixtures/plans"
if [ -d "$plans" ]; then
    run fixture-iam --policy policies-examples --input "$plans/checkov/plan_with_iam_policies.json"
    run fixture-modules --policy policies-examples --policy "$data/leaky.veto" \
        --input "$plans/terraform-compliance/test_non_created_module_resource_parameter.json"
    run many --policy policies-examples --input examples/plan.json --input "$plans/checkov" \
        --input "$plans/opentofu/show-json-*.json" --jobs 2
else
    echo "skipped: fixture runs ($plans is not here)"
    fixture_skipped=9 # 3 runs, 3 views each
fi

if [ "$skipped" -gt 0 ] && [ "${VETO_REQUIRE_VALIDATORS:-0}" = 1 ]; then
    echo "FAIL: $skipped checks skipped, but VETO_REQUIRE_VALIDATORS=1 (CI) requires every validator"
    failed=$((failed + skipped))
    skipped=0
fi
echo "$passed passed, $failed failed, $((skipped + fixture_skipped)) skipped"
[ "$failed" -eq 0 ]
