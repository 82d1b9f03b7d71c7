# The benchmark workload of bench/policies/ as one jq program: the same four
# checks over resource_changes, one line per violation. Run as
#   jq -r -f bench/workload.jq plan.json
def acts_match: any(.change.actions[]; . == "create" or . == "update");
def world: . == "0.0.0.0/0" or . == "::/0";
def ssh_open:
  (.protocol == "-1" or .protocol == "all"
   or ((.protocol == "tcp" or .protocol == "6") and .from_port <= 22 and .to_port >= 22))
  and any(((.cidr_blocks // []) + (.ipv6_cidr_blocks // []))[]; world);
def owner: .change.after.tags.owner // .change.after.tags_all.owner;

[(.resource_changes // [])[] | select((.mode // "managed") == "managed")] as $m
| ($m[] | select(.type == "aws_s3_bucket" and acts_match
                 and (.change.after.acl == "public-read" or .change.after.acl == "public-read-write"))
        | "deny S3 bucket \(.address) has public ACL \(.change.after.acl)"),
  ($m[] | select(.type == "aws_security_group" and acts_match
                 and any((.change.after.ingress // [])[]; ssh_open))
        | "deny security group \(.address) allows SSH from the internet"),
  ($m[] | select(.type == "aws_security_group_rule" and acts_match
                 and .change.after.type == "ingress" and (.change.after | ssh_open))
        | "deny security group rule \(.address) allows SSH from the internet"),
  ($m[] | select(acts_match and (.change.after | type == "object" and has("tags")) and owner == null)
        | "deny \(.address) has no owner tag"),
  ([$m[] | select(any(.change.actions[]; . == "delete"))] | length | select(. > 0)
        | "warn plan destroys \(.) resources")
