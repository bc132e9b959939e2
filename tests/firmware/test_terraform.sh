#!/bin/bash
# Single-quoted dollar-braces here are Terraform text, not shell:
# shellcheck disable=SC2016
# firmware/terraform, validated offline with HashiCorp's HCL parser
# (validate_tf.js, npm @cdktf/hcl2json installed here from the committed
# package-lock.json), then the validator itself checked: broken copies of
# firmware/ must fail it, each for the reason planted. TAP.
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"
TF=tests/firmware

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "1..0 # SKIP node and npm are needed (Debian: apt-get install nodejs npm)"
	exit 0
fi
# npm ci: exactly the locked versions, and only when they are not there yet.
if [[ ! -e $TF/node_modules/@cdktf/hcl2json/package.json ||
	$TF/package-lock.json -nt $TF/node_modules/.package-lock.json ]]; then
	if ! (cd "$TF" && npm ci --no-audit --no-fund --loglevel=error) >"$FW_WORK/npm.out" 2>&1; then
		fail "npm ci in $TF (@cdktf/hcl2json)"
		show "$FW_WORK/npm.out"
		finish
		exit 1
	fi
fi

# The real tree: validate_tf.js prints its own TAP lines; renumber them
# into ours.
node "$TF/validate_tf.js" >"$FW_WORK/v.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) fail "${line#not ok * - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$FW_WORK/v.out"
check "validate_tf.js exits 0 on the tree ($rc)" test "$rc" -eq 0

# mutant NAME EXPECTED-MESSAGE FILE SED-SCRIPT: a copy of firmware/ with
# one planted fault must fail validation with that message. The copies
# are made first and validated by one node process (the WASM parser
# starts once).
M=0
declare -A m_what m_expect
mutant() {
	local what=$1 expect=$2 file=$3 script=$4 copy
	M=$((M + 1))
	copy=$FW_WORK/mut$M
	cp -r firmware "$copy"
	rm -rf "$copy/lab" "$copy/man"
	sed -i -e "$script" "$copy/$file"
	m_what[$M]=$what
	m_expect[$M]=$expect
	if cmp -s "firmware/$file" "$copy/$file"; then
		m_expect[$M]="(the edit changed nothing in $file)"
	fi
}
mutant "syntax error" "main.tf parses" terraform/main.tf 's/^locals {/locals {{/'
mutant "misspelt resource reference" "aws_sns_topic.alert is not a declared resource" \
	terraform/outputs.tf 's/aws_sns_topic\.alerts\.arn/aws_sns_topic.alert.arn/'
mutant "undeclared variable" "var.vpc is not declared" terraform/network.tf '0,/var\.vpc_id/s//var.vpc/'
mutant "unused variable" 'variable "spare" is never used' terraform/variables.tf \
	'$a variable "spare" {\n  description = "x"\n  type        = string\n  default     = null\n}'
mutant "new user-data placeholder not passed" '${extra} is not given' user-data.sh \
	's/^MODE=.*/&\nEXTRA='"'"'${extra}'"'"'/'
mutant "user-data placeholder dropped from the call" '${mode} is not given' \
	terraform/launch_template.tf '/^    mode  *= var.mode$/d'
mutant "IAM policy placeholder not passed" '${vpc_id} is not given' terraform/iam.tf '/^    vpc_id  *= var.vpc_id$/d'
mutant "template expression the host tests cannot render" 'unsupported template syntax' \
	iam-policy.json 's/"${sns_topic_arn}"/"${upper(sns_topic_arn)}"/'
mutant "example passes an input the module lacks" '"colour" is not a variable of the module' \
	terraform/examples/basic/main.tf 's/^  mode  *= "isolate"$/&\n  colour = "red"/'
mutant "example omits a required input" 'required variable "vpc_id" is not given' \
	terraform/examples/basic/main.tf '/^  vpc_id  *= var.vpc_id$/d'
mutant "example reads an output the module lacks" 'the module has no output "topic"' \
	terraform/examples/basic/main.tf 's/module\.cordon\.sns_topic_arn/module.cordon.topic/'
mutant "forensic group gets its default egress back" "forensic security group: ingress = [] and egress = []" \
	terraform/network.tf '/^  egress  = \[\]$/d'
mutant "IMDSv1 allowed" "launch template: IMDSv2 only" terraform/launch_template.tf 's/"required"/"optional"/'
mutant "instance tags hidden from IMDS" "launch template: instance tags readable through IMDS" \
	terraform/launch_template.tf 's/instance_metadata_tags      = "enabled"/instance_metadata_tags      = "disabled"/'
mutant "user-data without the bundle's checksum" '${bundle_sha256} is not given' \
	terraform/launch_template.tf '/^    bundle_sha256  *= /d'
mutant "flow log of rejected traffic only" "VPC flow log: ALL traffic" terraform/flowlogs.tf 's/traffic_type             = "ALL"/traffic_type             = "REJECT"/'
mutant "responder on another runtime" "responder: provided.al2023" terraform/responder.tf 's/"provided.al2023"/"provided.al2"/'
mutant "responder on the instance role" "responder: a role of its own" terraform/responder.tf \
	's/role             = aws_iam_role.responder\[0\].arn/role             = aws_iam_role.instance.arn/'
mutant "rules without their Lambda permission" "every rule has its target and its aws_lambda_permission" \
	terraform/responder.tf 's/  source_arn    = each.value.arn/  source_arn    = null/'
mutant "no dead-letter queue" "failed asynchronous invocations go to the dead-letter queue" terraform/responder.tf \
	'/^  dead_letter_config {$/,/^  }$/d'
mutant "log group without retention" "its log group, with a retention" terraform/responder.tf '/retention_in_days/d'
mutant "responder policy placeholder not passed" '${dlq_arn} is not given' terraform/responder.tf '/^    dlq_arn  *= /d'
mutant "finding message without console links" "console links to the instance and the finding" \
	terraform/events.tf 's/ Instance: https[^ ]*//'

dirs=()
for ((i = 1; i <= M; i++)); do dirs+=("$FW_WORK/mut$i"); done
node "$TF/validate_tf.js" "${dirs[@]}" >"$FW_WORK/m.out" 2>&1
# One section per copy: "### DIR", its TAP lines, "1..N".
csplit -s -z -f "$FW_WORK/sec" "$FW_WORK/m.out" '/^### /' '{*}'
for ((i = 1; i <= M; i++)); do
	sec=$(grep -lx "### $FW_WORK/mut$i" "$FW_WORK"/sec* 2>/dev/null)
	if [[ -n $sec ]] && grep -q '^not ok' "$sec" && grep -qF -- "${m_expect[$i]}" "$sec"; then
		ok "mutant caught: ${m_what[$i]}"
	else
		fail "mutant caught: ${m_what[$i]} (expected: ${m_expect[$i]})"
		[[ -n $sec ]] && grep -E '^(not ok|#)' "$sec" | head -5 | sed 's/^/# /'
	fi
done
# Terraform itself, where it is installed with the AWS provider at hand in
# a filesystem mirror (TF_PLUGIN_MIRROR, default /opt/tf-plugins): fmt, and
# validate against the provider's own schema (attribute names, block
# types), offline: no registry, no checkpoint call, in a network namespace
# of its own. Nothing is planned or applied.
MIRROR=${TF_PLUGIN_MIRROR:-/opt/tf-plugins}
tf() {
	CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=$FW_WORK/tfrc \
		unshare --net terraform "$@"
}
if ! command -v terraform >/dev/null || ! unshare --net true 2>/dev/null; then
	skip "terraform fmt/validate: no terraform binary (or no unshare)"
else
	if [[ -d $MIRROR/registry.terraform.io/hashicorp/aws ]]; then
		printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n' \
			"$MIRROR" >"$FW_WORK/tfrc"
	else
		printf 'provider_installation {\n  direct {}\n}\n' >"$FW_WORK/tfrc"
	fi
	check "terraform fmt -check: the module and the example are formatted" \
		tf fmt -check -recursive firmware/terraform
	if [[ ! -d $MIRROR/registry.terraform.io/hashicorp/aws ]]; then
		skip "terraform validate: no AWS provider in $MIRROR (set TF_PLUGIN_MIRROR)"
	else
		cp -r firmware "$FW_WORK/tfv"
		for d in terraform terraform/examples/basic; do
			if (cd "$FW_WORK/tfv/$d" && tf init -backend=false -input=false -no-color &&
				tf validate -no-color) >"$FW_WORK/tfv.out" 2>&1; then
				ok "terraform validate firmware/$d against hashicorp/aws $(basename "$(find "$MIRROR/registry.terraform.io/hashicorp/aws" -mindepth 1 -maxdepth 1 | sort | tail -n 1)")"
			else
				fail "terraform validate firmware/$d"
				grep -vE '^\s*$' "$FW_WORK/tfv.out" | tail -n 15 | show /dev/stdin
			fi
		done
	fi
fi
finish
