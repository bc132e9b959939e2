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
# It installs cordon from S3: on an image with apt, the .deb (or a source
# tarball, built here); on any other systemd distribution (Amazon Linux
# 2023, Fedora, ...), the self-contained bundle (make bundle), its SHA-256
# checked before anything is unpacked. Then it writes
# /etc/cordon/cordon.conf, enables the lockdown-restore unit and the
# daemon, starts the daemon and says how it went where a person will look:
# the console (EC2 "Get system log") and syslog. Success tags the instance
# cordon:status=installed; a failure leaves it untagged.
#
# AWS calls made here (tests/firmware/test_iam.sh reads these markers):
# AWS_ACTION(s3:GetObject) AWS_ACTION(ec2:CreateTags)
set -Eeuo pipefail

PACKAGE_URL='${package_url}'
BUNDLE_URL='${bundle_url}'
BUNDLE_SHA256='${bundle_sha256}'
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

# The ERR trap: say what failed and where. The instance stays untagged:
# only a running agent is cordon:status=installed.
fail() {
	local line=$1 cmd=$2 rc=$3

	trap - ERR
	set +e
	say "FAILED (exit $rc) at line $line: $cmd"
	say "cordon is not installed; the instance is left without a $STATUS_TAG tag"
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
	command -v apt-get >/dev/null ||
		die "no AWS CLI on this image: use one that has it (Amazon Linux does)"
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

# The self-contained bundle: checked against its SHA-256 before anything
# is unpacked, then installed by its own installer (links, units, user,
# state directory; an upgrade keeps the state and a lockdown in force).
install_bundle() {
	local file=$WORK/cordon-bundle.tar.gz got bad

	case $BUNDLE_URL in
	s3://?*/?*.tar.gz) ;;
	*) die "bundle_url must be s3://BUCKET/KEY.tar.gz, not '$BUNDLE_URL'" ;;
	esac
	[[ $BUNDLE_SHA256 =~ ^[0-9a-f]{64}$ ]] ||
		die "bundle_sha256 must be 64 lowercase hex digits, not '$BUNDLE_SHA256'"
	command -v systemctl >/dev/null || die "this image has no systemd: the cordon bundle needs it"
	ensure_awscli
	say "fetching $BUNDLE_URL"
	aws s3 cp --only-show-errors --region "$REGION" "$BUNDLE_URL" "$file"
	got=$(sha256sum "$file" | cut -d' ' -f1)
	[[ $got == "$BUNDLE_SHA256" ]] ||
		die "bundle checksum mismatch: expected $BUNDLE_SHA256, got $got: nothing installed"
	bad=$(tar -tzf "$file" | grep -cvE '^opt/(cordon/.*)?$' || true)
	[[ $bad == 0 ]] || die "the bundle holds $bad paths outside opt/cordon/: nothing installed"
	mkdir -p "$WORK/bundle"
	tar -xzf "$file" -C "$WORK/bundle"
	# Its messages go where ours do (console, syslog).
	bash "$WORK/bundle/opt/cordon/share/cordon/install.sh" 2>&1 |
		while IFS= read -r line; do say "$line"; done
}

# apt -> the .deb (or a source tarball); any other systemd image -> the bundle.
install_package() {
	local file

	if ! command -v dpkg >/dev/null || ! command -v apt-get >/dev/null || [[ -z $PACKAGE_URL ]]; then
		[[ -n $BUNDLE_URL ]] || die "this image has no dpkg/apt-get and no bundle_url is set:" \
			"give the Terraform module bundle_url and bundle_sha256 (make bundle)"
		install_bundle
		return
	fi
	case $PACKAGE_URL in
	s3://?*/?*.deb) file=$WORK/cordon.deb ;;
	s3://?*/?*.tar.gz) file=$WORK/cordon.tar.gz ;;
	*) die "package_url must be s3://BUCKET/KEY.deb or .tar.gz, not '$PACKAGE_URL'" ;;
	esac
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
