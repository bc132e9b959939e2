#!/bin/bash
# The single-quoted dollar-brace words below are Terraform placeholders:
# shellcheck disable=SC2016
#
# cordon installer, run once by cloud-init as the instance's user-data.
#
# A Terraform templatefile(): the module (firmware/terraform/
# launch_template.tf) fills in each dollar-brace placeholder; the script
# uses no other dollar-brace, so it reads the same before and after.
# Every value arrives inside single quotes; the module's variable
# validations refuse quotes and line breaks in them. Lists arrive one
# item per line.
#
# It installs the cordon .deb (or builds a source tarball) from S3, writes /etc/cordon/cordon.conf,
# enables the lockdown-restore unit and the daemon, starts the daemon and
# says how it went where a person will look: the console (EC2 "Get system
# log"), syslog, and the instance tag cordon:status (installed or
# install-failed).
#
# AWS calls made here (tests/firmware/test_iam.sh reads these markers):
# AWS_ACTION(s3:GetObject) AWS_ACTION(ec2:CreateTags)
set -Eeuo pipefail

PACKAGE_URL='${package_url}'
MODE='${mode}'
THREAT_LISTS='${threat_lists}'
TRUSTED_LISTS='${trusted_lists}'
SYNC_INTERVAL='${sync_interval}'
LOCKDOWN_ALLOW='${lockdown_allow}'
LOCKDOWN_ALLOW_UNITS='${lockdown_allow_units}'
FORENSIC_SG='${forensic_security_group}'
CONVERSION_SG='${conversion_security_group}'
SNS_TOPIC_ARN='${sns_topic_arn}'
GUARDDUTY_DETECTOR_ID='${guardduty_detector_id}'
GUARDDUTY_MIN_SEVERITY='${guardduty_min_severity}'
TERMINATION_PROTECTION='${termination_protection}'
SNAPSHOT_VOLUMES='${snapshot_volumes}'
EVENTBRIDGE='${eventbridge}'
EVENTBRIDGE_BUS='${eventbridge_bus}'
SECURITYHUB='${securityhub}'

# Overridable only so that tests can run this script in a sandbox
# (printenv, not a default expansion, keeps the template free of escapes).
ROOT=$(printenv CORDON_UD_ROOT || true)
CONSOLE=$(printenv CORDON_UD_CONSOLE || echo /dev/console)
IMDS=$(printenv CORDON_UD_IMDS || echo http://169.254.169.254)
STATUS_TAG=cordon:status
CONF=$ROOT/etc/cordon/cordon.conf
WORK=$(mktemp -d /tmp/cordon-install.XXXXXX)
REGION=
INSTANCE_ID=
export DEBIAN_FRONTEND=noninteractive

say() {
	local msg="cordon-install: $*"

	printf '%s\n' "$msg" >&2
	# The console is what "Get system log" shows; best effort only.
	{ printf '%s\n' "$msg" >>"$CONSOLE"; } 2>/dev/null || true
	logger -t cordon-install -- "$*" 2>/dev/null || true
}

# IMDSv2: a session token first; IMDSv1 is off on cordon's launch template.
imds() {
	local token

	token=$(curl -fsS -m 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \
		"$IMDS/latest/api/token") || return 1
	curl -fsS -m 3 -H "X-aws-ec2-metadata-token: $token" "$IMDS/latest/meta-data/$1"
}

# Where we are, for the AWS CLI and for the status tag.
whereami() {
	[[ -n $INSTANCE_ID && -n $REGION ]] && return 0
	INSTANCE_ID=$(imds instance-id) && REGION=$(imds placement/region)
}

tag_status() {
	whereami && command -v aws >/dev/null &&
		aws ec2 create-tags --region "$REGION" --resources "$INSTANCE_ID" \
			--tags "Key=$STATUS_TAG,Value=$1" >/dev/null
}

# The ERR trap: say what failed, where, and mark the instance.
fail() {
	local line=$1 cmd=$2 rc=$3

	trap - ERR
	set +e
	say "FAILED (exit $rc) at line $line: $cmd"
	if tag_status install-failed; then
		say "tagged $INSTANCE_ID $STATUS_TAG=install-failed"
	else
		say "could not tag the instance $STATUS_TAG=install-failed"
	fi
	rm -rf "$WORK"
	exit 1
}
trap 'fail "$LINENO" "$BASH_COMMAND" "$?"' ERR

die() {
	say "$*"
	return 1
}

ensure_awscli() {
	command -v aws >/dev/null && return 0
	say "no AWS CLI on this image: installing Debian's awscli"
	apt-get install -y -q --no-install-recommends awscli >/dev/null ||
		die "no AWS CLI and apt-get could not install awscli: use an image with the AWS CLI"
}

# What building cordon needs, and nothing the tests need (the Makefile's
# DEB_PKGS has both; tests/firmware/test_userdata.sh keeps them in step).
BUILD_DEPS="build-essential pkg-config libpcap-dev libnftnl-dev libmnl-dev
libcurl4-openssl-dev libssl-dev libcjson-dev libexpat1-dev libinih-dev
libcap-ng-dev libseccomp-dev libsystemd-dev"

install_deb() {
	# apt-get, not dpkg -i, so that libpcap, libnftnl, ... come along.
	apt-get install -y -q --no-install-recommends "$1" >/dev/null
}

# A source tarball (make dist, or git archive): build and install it
# the way the package would, units and user included.
install_source() {
	local src=$WORK/src

	mkdir -p "$src"
	tar -xzf "$1" -C "$src" --strip-components=1
	# shellcheck disable=SC2086 # one package a word
	apt-get install -y -q --no-install-recommends $BUILD_DEPS >/dev/null
	say "building cordon from source"
	make -C "$src" -j "$(nproc)" O=build all >"$WORK/build.log" 2>&1 ||
		die "the build failed: $(tail -n 3 "$WORK/build.log" | tr '\n' ' ')"
	make -C "$src" O=build install PREFIX=/usr DESTDIR="$ROOT" >/dev/null
	install -D -m 0644 "$src/firmware/systemd/cordon.sysusers" \
		"$ROOT/usr/lib/sysusers.d/cordon.conf"
	systemd-sysusers
}

install_package() {
	local file

	case $PACKAGE_URL in
	s3://?*/?*.deb) file=$WORK/cordon.deb ;;
	s3://?*/?*.tar.gz) file=$WORK/cordon.tar.gz ;;
	*) die "package_url must be s3://BUCKET/KEY.deb or .tar.gz, not '$PACKAGE_URL'" ;;
	esac
	if ! command -v dpkg >/dev/null || ! command -v apt-get >/dev/null; then
		die "this image has no dpkg/apt-get: cordon needs Debian 12 or Ubuntu 22.04+"
	fi
	apt-get update -q >/dev/null
	ensure_awscli
	say "fetching $PACKAGE_URL"
	aws s3 cp --only-show-errors --region "$REGION" "$PACKAGE_URL" "$file"
	case $file in
	*.deb) install_deb "$file" ;;
	*) install_source "$file" ;;
	esac
}

# "key = value" once per non-empty line of a list variable.
conf_list() {
	local key=$1 item

	while IFS= read -r item; do
		if [[ -n $item ]]; then printf '%s = %s\n' "$key" "$item"; fi
	done <<<"$2"
}

write_config() {
	local tmp=$CONF.tmp

	mkdir -p "$(dirname "$CONF")"
	{
		printf '; written by cordon user-data at %s. cloud-init runs it once:\n' "$(date -u +%FT%TZ)"
		printf '; edit here, then systemctl restart cordon.\n'
		printf '[agent]\nmode = %s\nstate_dir = /var/lib/cordon\ninstance_id = %s\n\n' \
			"$MODE" "$INSTANCE_ID"
		printf '[lists]\n'
		conf_list threat "$THREAT_LISTS"
		conf_list trusted "$TRUSTED_LISTS"
		printf 'sync_interval = %s\n\n' "$SYNC_INTERVAL"
		printf '[lockdown]\n'
		conf_list allow "$LOCKDOWN_ALLOW"
		conf_list allow_unit "$LOCKDOWN_ALLOW_UNITS"
		printf '\n[cloud]\n'
		printf 'forensic_security_group = %s\n' "$FORENSIC_SG"
		printf 'conversion_security_group = %s\n' "$CONVERSION_SG"
		printf 'sns_topic_arn = %s\n' "$SNS_TOPIC_ARN"
		printf 'tag_instance = true\n'
		printf 'termination_protection = %s\n' "$TERMINATION_PROTECTION"
		printf 'snapshot_volumes = %s\n\n' "$SNAPSHOT_VOLUMES"
		printf '[guardduty]\nenabled = %s\n' "$([[ -n $GUARDDUTY_DETECTOR_ID ]] && echo true || echo false)"
		printf 'detector_id = %s\nmin_severity = %s\n\n' "$GUARDDUTY_DETECTOR_ID" "$GUARDDUTY_MIN_SEVERITY"
		printf '[events]\neventbridge = %s\neventbridge_bus = %s\nsecurityhub = %s\n' \
			"$EVENTBRIDGE" "$EVENTBRIDGE_BUS" "$SECURITYHUB"
	} >"$tmp"
	# Readable by the daemon's group only; it names no secret, but lists
	# and responders' addresses are nobody else's business.
	chmod 0640 "$tmp"
	if getent group cordon >/dev/null; then chgrp cordon "$tmp"; fi
	mv -f "$tmp" "$CONF"
	say "wrote $CONF"
}

start_service() {
	systemctl daemon-reload
	# The restore unit runs at every boot from now on, before the network.
	systemctl enable cordon-lockdown.service cordon.service
	# Type=notify: this returns once the daemon said READY=1, or fails.
	systemctl restart cordon.service
	systemctl is-active --quiet cordon.service ||
		die "cordon.service is not active after start: see journalctl -u cordon"
}

main() {
	case $MODE in
	monitor | block | isolate) ;;
	*) die "mode must be monitor, block or isolate, not '$MODE'" ;;
	esac
	whereami || die "the instance metadata service did not answer (IMDSv2 at $IMDS)"
	say "installing cordon on $INSTANCE_ID in $REGION (mode $MODE)"
	install_package
	write_config
	start_service
	rm -rf "$WORK"
	if tag_status installed; then
		say "tagged $INSTANCE_ID $STATUS_TAG=installed"
	else
		say "cordon runs, but the instance could not be tagged $STATUS_TAG=installed"
	fi
	say "OK: cordon is running"
}

main "$@"
