#!/bin/sh
# bench/rules_index.sh BUILD_DIR — rule indexing by resource type (tf.of_type).
#
# A policy set of 200 rules, each `deny for r in tf.changes("<type>",
# ["create"]) when ...`, over the generated plans of 10k and 100k
# resources, in two variants evaluated by the same binary:
#   indexed  tf.changes as the tf module defines it (tf.of_type: one pass
#            builds a type -> positions index, every rule reads its bucket)
#   scan     the same rules with the selection written out as the module
#            used to define it, a comprehension over every managed change
#            per rule: [x for x in tf.resource_changes() if x.type == T and
#            tf.matches(x, ["create"])]
# The 200 rules cycle through 25 types: the plan's eight AWS types and 17
# that it does not hold. 20 policies of 10 rules, so the scan variant stays
# inside the default per-policy fuel. Each rule fires for a few
# resources; the script checks that both variants report the same
# violations, and prints the median wall time, CPU time and peak RSS.
#
# Streaming evaluation (which makes every list one element long) is turned
# off with VETO_NO_STREAMING=1. BENCH_SIZES="10000" overrides the sizes;
# RUNS=N the runs per case (default 3). Takes about a minute; not part of
# `make bench`. Speed is never asserted here: this prints, the reader judges.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh bench/rules_index.sh BUILD_DIR" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
case $build in /*) ;; *) build="$root/$build" ;; esac
cd "$root"
veto="$build/veto"
out="$build/bench"
work="$out/rules-index"
mkdir -p "$work/indexed" "$work/scan"
sizes=${BENCH_SIZES:-10000 100000}
runs=${RUNS:-3}
export VETO_NO_STREAMING=1 VETO_NO_STREAM=1

if [ ! -x "$out/gen_plan" ] || [ -n "$(find bench/gen_plan.c -newer "$out/gen_plan")" ]; then
    ${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$out/gen_plan" bench/gen_plan.c
fi

# The policies: rule i selects type T, and fires for the resources of that
# type whose owner tag is team-<i % 17> and whose name ends in <i % 100>.
types="aws_s3_bucket aws_security_group aws_instance aws_iam_role aws_db_instance
aws_lambda_function aws_security_group_rule aws_subnet aws_kms_key aws_sqs_queue
aws_sns_topic aws_ecr_repository aws_eks_cluster aws_efs_file_system aws_route53_record
aws_cloudfront_distribution aws_dynamodb_table aws_elasticache_cluster aws_kinesis_stream
aws_redshift_cluster aws_wafv2_web_acl aws_vpc aws_nat_gateway aws_lb aws_autoscaling_group"
types=$(printf '%s\n' "$types" | tr ' ' '\n')
ntypes=$(printf '%s\n' "$types" | grep -c .)
rm -f "$work"/indexed/*.veto "$work"/scan/*.veto
p=0
while [ "$p" -lt 20 ]; do
    for variant in indexed scan; do
        f="$work/$variant/p$p.veto"
        printf 'policy bench.rules_index_%d\n  kind: plan\n  id: "BENCH-IDX-%03d"\n' "$p" "$p" >"$f"
        printf '  title: "rule indexing %d"\n  severity: low\n  enforcement: hard\n\nuse tf\n' \
            "$p" >>"$f"
    done
    k=0
    while [ "$k" -lt 10 ]; do
        i=$((p * 10 + k))
        t=$(printf '%s\n' "$types" | sed -n "$((i % ntypes + 1))p")
        cond="r.after.tags.owner == \"team-$((i % 17))\" and ends_with(r.name, \"$((i % 100))\")"
        msg="message \"rule $i: \${r.address}\""
        printf '\ndeny for r in tf.changes("%s", ["create"])\n  when %s\n  %s\n' \
            "$t" "$cond" "$msg" >>"$work/indexed/p$p.veto"
        printf '\ndeny for r in [x for x in tf.resource_changes() if x.type == "%s" and tf.matches(x, ["create"])]\n  when %s\n  %s\n' \
            "$t" "$cond" "$msg" >>"$work/scan/p$p.veto"
        k=$((k + 1))
    done
    p=$((p + 1))
done

median() {
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "200 rules (20 policies x 10) over 25 types, 8 of them in the plan; median of $runs"
printf '%-9s %-8s | %8s %8s %9s | %s\n' resources variant wall_s cpu_s peak_MiB violations
for n in $sizes; do
    plan="$out/plan-$n.json"
    if [ ! -s "$plan" ] || [ -n "$(find "$out/gen_plan" -newer "$plan")" ]; then
        "$out/gen_plan" "$n" >"$plan.tmp" && mv "$plan.tmp" "$plan"
    fi
    cat "$plan" >/dev/null
    for variant in indexed scan; do
        tag="$work/$variant-$n"
        : >"$tag.wall"
        : >"$tag.cpu"
        : >"$tag.rss"
        r=0
        while [ "$r" -lt "$runs" ]; do
            rc=0
            /usr/bin/time -f '%e %U %S %M' -o "$tag.time" \
                "$veto" eval --policy "$work/$variant" --input "$plan" >"$tag.out" 2>"$tag.err" ||
                rc=$?
            if [ "$rc" -gt 1 ]; then
                echo "rules_index: veto exited $rc on $variant at $n:" >&2
                tail -5 "$tag.err" >&2
                exit 1
            fi
            tail -1 "$tag.time" | awk '{ print $1 }' >>"$tag.wall"
            tail -1 "$tag.time" | awk '{ print $2 + $3 }' >>"$tag.cpu"
            tail -1 "$tag.time" | awk '{ print $4 }' >>"$tag.rss"
            r=$((r + 1))
        done
        grep 'rule [0-9]*:' "$tag.out" | sed 's/.*\(rule [0-9]*: [^ ]*\).*/\1/' | sort >"$tag.hits"
        printf '%-9d %-8s | %8s %8s %9.1f | %d\n' "$n" "$variant" "$(median "$tag.wall")" \
            "$(median "$tag.cpu")" "$(awk -v k="$(median "$tag.rss")" 'BEGIN { print k / 1024 }')" \
            "$(grep -c '' "$tag.hits" || true)"
    done
    if ! cmp -s "$work/indexed-$n.hits" "$work/scan-$n.hits"; then
        echo "rules_index: the variants report different violations at $n resources" >&2
        diff "$work/indexed-$n.hits" "$work/scan-$n.hits" | head -5 >&2
        exit 1
    fi
done
