#!/bin/bash
# firmware/user-data.sh, rendered the way Terraform's templatefile() does
# (tftemplate.py) and run in a sandbox: stub aws, curl (IMDSv2), apt-get,
# dpkg, systemctl and logger on PATH, files under a temporary root, the
# "console" a file. Nothing leaves the machine. TAP.
#
#   user-data.sh --PATH--> stubs: curl  -> fake IMDSv2 answers
#                                 aws   -> s3 cp / ec2 create-tags, logged
#                                 systemctl, apt-get, dpkg, logger -> logged
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"

TEMPLATE=firmware/user-data.sh
SB=$FW_WORK/sb
mkdir -p "$SB/bin" "$SB/root"

# --- stubs ---------------------------------------------------------------
cat >"$SB/bin/curl" <<'EOF'
#!/bin/bash
# IMDSv2 only: a PUT for the token, then GETs that must carry it.
echo "curl $*" >>"$SB/calls"
[[ -n ${IMDS_DOWN:-} ]] && exit 7
args="$*"
case $args in
*"-X PUT"*api/token) echo -n tok-123; exit 0 ;;
esac
[[ $args == *"X-aws-ec2-metadata-token: tok-123"* ]] || { echo 401 >&2; exit 22; }
case $args in
*meta-data/instance-id) echo -n i-0123456789abcdef0 ;;
*meta-data/placement/region) echo -n eu-west-3 ;;
*) exit 22 ;;
esac
EOF
cat >"$SB/bin/aws" <<'EOF'
#!/bin/bash
echo "aws $*" >>"$SB/calls"
if [[ $1 == s3 && $2 == cp ]]; then
	[[ -n ${S3_DENIED:-} ]] && { echo "fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden" >&2; exit 1; }
	for dst; do :; done
	if [[ $dst == *.tar.gz ]]; then cp "$SB/src.tar.gz" "$dst"; else echo fake-deb >"$dst"; fi
fi
exit 0
EOF
cat >"$SB/bin/systemctl" <<'EOF'
#!/bin/bash
echo "systemctl $*" >>"$SB/calls"
[[ $1 == is-active && -n ${NOT_ACTIVE:-} ]] && exit 3
exit 0
EOF
for c in apt-get dpkg logger systemd-sysusers; do
	# shellcheck disable=SC2016 # expanded by the stub, not here
	printf '#!/bin/bash\necho "%s $*" >>"$SB/calls"\nexit 0\n' "$c" >"$SB/bin/$c"
done
printf '#!/bin/bash\nexit 2\n' >"$SB/bin/getent"
chmod +x "$SB"/bin/*

# --- render ----------------------------------------------------------------
mapfile -t names < <("$PY" tests/firmware/tftemplate.py placeholders "$TEMPLATE")
declare -A val=(
	[package_url]=s3://cordon-lists-abc/packages/cordon_0.1.0_amd64.deb
	[bundle_url]=""
	[bundle_sha256]=""
	[mode]=isolate
	[threat_lists]=$'txt:s3://cordon-lists-abc/lists/MyThreatIntelSet\nstix:s3://cordon-lists-abc/lists/extra.xml'
	[trusted_lists]=txt:/etc/cordon/trusted.txt
	[sync_interval]=60
	[lockdown_allow]=$'198.51.100.0/24:22\n2001:db8::/64'
	[lockdown_allow_units]=amazon-ssm-agent.service
	[forensic_security_group]=sg-0123456789abcdef0
	[conversion_security_group]=sg-0fedcba9876543210
	[sns_topic_arn]=arn:aws:sns:eu-west-3:123456789012:cordon-alerts
	[guardduty_detector_id]=12abc34d567e8fa901bc2d34e56789f0
	[guardduty_min_severity]=7
	[termination_protection]=true
	[snapshot_volumes]=false
	[eventbridge]=true
	[eventbridge_bus]=default
	[securityhub]=false
)
render() { # render OUT [NAME=VALUE overrides...]
	local out=$1 n args=()
	shift
	for n in "${names[@]}"; do args+=("$n=${val[$n]-MISSING}"); done
	"$PY" tests/firmware/tftemplate.py render "$TEMPLATE" "${args[@]}" "$@" >"$out"
}
check "template has only \${name} placeholders and escapes (${#names[@]} names)" \
	bash -c "'$PY' tests/firmware/tftemplate.py placeholders '$TEMPLATE' >/dev/null"
missing=()
for n in "${names[@]}"; do [[ -n ${val[$n]+x} ]] || missing+=("$n"); done
check "the test knows every placeholder (unknown: ${missing[*]:-none})" test ${#missing[@]} -eq 0
render "$FW_WORK/ud.sh"
size=$(wc -c <"$FW_WORK/ud.sh")
check "rendered user-data is $size bytes, under EC2's 16 KiB" test "$size" -lt 16384
if command -v shellcheck >/dev/null; then
	if shellcheck -s bash "$FW_WORK/ud.sh" >"$FW_WORK/sc.out" 2>&1; then
		ok "rendered user-data is shellcheck clean"
	else
		fail "rendered user-data is shellcheck clean"
		show "$FW_WORK/sc.out"
	fi
else
	skip "shellcheck not installed"
fi

# --- run -------------------------------------------------------------------
# run NAME SCRIPT [VAR=VALUE...]: fresh sandbox state, exit status in $rc.
run() {
	local script=$1
	shift
	rm -rf "$SB/root" "$SB/calls" "$SB/console"
	mkdir -p "$SB/root"
	touch "$SB/calls" "$SB/console"
	env -i PATH="$SB/bin:/usr/bin:/bin" SB="$SB" HOME="$SB" \
		CORDON_UD_ROOT="$SB/root" CORDON_UD_CONSOLE="$SB/console" \
		CORDON_UD_IMDS=http://imds.test "$@" \
		bash "$script" >"$FW_WORK/run.out" 2>&1
	rc=$?
}
has() { grep -qF -- "$2" "$1" || { show "$1"; return 1; }; }
conf=$SB/root/etc/cordon/cordon.conf
# The config written is one the daemon accepts: `cordon run -n` (check
# the configuration and exit) of the built binary, when there is one.
check_config() {
	if [[ -z ${CORDON:-} || ! -x $CORDON ]]; then
		skip "$1: cordon run -n accepts the config (no built cordon: set CORDON)"
	elif "$CORDON" run -n -c "$conf" >"$FW_WORK/cc.out" 2>&1; then
		ok "$1: cordon run -n accepts the config"
	else
		fail "$1: cordon run -n accepts the config"
		show "$FW_WORK/cc.out" "$conf"
	fi
}

run "$FW_WORK/ud.sh"
check "install: exit 0 ($rc)" test "$rc" -eq 0
check "install: package fetched from S3 in the instance's region" \
	has "$SB/calls" "aws s3 cp --only-show-errors --region eu-west-3 s3://cordon-lists-abc/packages/cordon_0.1.0_amd64.deb"
check "install: installed with apt-get (dependencies come along)" has "$SB/calls" "apt-get install -y -q --no-install-recommends /tmp/cordon-install."
check "install: IMDSv2 token asked for first" bash -c "head -1 '$SB/calls' | grep -q 'X PUT'"
check "config: written, mode 0640" test "$(stat -c %a "$conf" 2>/dev/null)" = 640
check "config: mode and instance id" bash -c "grep -qx 'mode = isolate' '$conf' && grep -qx 'instance_id = i-0123456789abcdef0' '$conf'"
check "config: one threat line per list" test "$(grep -c '^threat = ' "$conf" 2>/dev/null)" -eq 2
check "config: threat list locations kept whole" has "$conf" "threat = stix:s3://cordon-lists-abc/lists/extra.xml"
check "config: responders' allowlist, IPv4 and IPv6" \
	bash -c "grep -qx 'allow = 198.51.100.0/24:22' '$conf' && grep -qx 'allow = 2001:db8::/64' '$conf'"
check "config: cloud section" bash -c "grep -qx 'forensic_security_group = sg-0123456789abcdef0' '$conf' &&
	grep -qx 'conversion_security_group = sg-0fedcba9876543210' '$conf' &&
	grep -qx 'sns_topic_arn = arn:aws:sns:eu-west-3:123456789012:cordon-alerts' '$conf'"
check "config: GuardDuty on with the detector" bash -c "grep -qx 'enabled = true' '$conf' &&
	grep -qx 'detector_id = 12abc34d567e8fa901bc2d34e56789f0' '$conf'"
check "config: sections in order" bash -c "grep -o '^\[[a-z]*\]' '$conf' | tr -d '\n' | grep -qx '\[agent\]\[lists\]\[lockdown\]\[cloud\]\[guardduty\]\[events\]'"
check "config: events section" bash -c "grep -qx 'eventbridge = true' '$conf' && grep -qx 'securityhub = false' '$conf'"
check "service: units enabled, daemon restarted and checked" \
	bash -c "grep -qx 'systemctl enable cordon-lockdown.service cordon.service' '$SB/calls' &&
	grep -qx 'systemctl restart cordon.service' '$SB/calls' && grep -q 'systemctl is-active' '$SB/calls'"
check "status: tagged cordon:status=installed" \
	has "$SB/calls" "aws ec2 create-tags --region eu-west-3 --resources i-0123456789abcdef0 --tags Key=cordon:status,Value=installed"
check "status: OK on the console" has "$SB/console" "cordon-install: OK: cordon is running"
check "status: and in syslog" has "$SB/calls" "logger -t cordon-install -- OK: cordon is running"
check_config "install"

run "$FW_WORK/ud.sh" S3_DENIED=1
check "S3 denied: exit 1 ($rc)" test "$rc" -eq 1
check "S3 denied: console names the failing line and command" \
	bash -c "grep -q 'cordon-install: FAILED (exit 1) at line [0-9]*: aws s3 cp' '$SB/console' || { sed 's/^/# /' '$SB/console' >&2; false; }"
check "S3 denied: the instance is left untagged, and the console says so" \
	bash -c "! grep -q 'create-tags' '$SB/calls' && grep -q 'left without a cordon:status tag' '$SB/console'"
check "S3 denied: no config, no service touched" bash -c "! test -e '$conf' && ! grep -q systemctl '$SB/calls'"

run "$FW_WORK/ud.sh" NOT_ACTIVE=1
check "daemon does not come up: exit 1 and untagged ($rc)" \
	bash -c "test $rc -eq 1 && ! grep -q 'create-tags' '$SB/calls'"
check "daemon does not come up: the console says where to look" has "$SB/console" "see journalctl -u cordon"

run "$FW_WORK/ud.sh" IMDS_DOWN=1
check "no IMDS: exit 1 ($rc)" test "$rc" -eq 1
check "no IMDS: console says so; untagged" \
	bash -c "grep -q 'metadata service did not answer' '$SB/console' && ! grep -q 'create-tags' '$SB/calls'"

render "$FW_WORK/bad.sh" mode=lockdown
run "$FW_WORK/bad.sh"
check "bad mode: refused before anything is installed ($rc)" \
	bash -c "test $rc -eq 1 && grep -q \"mode must be monitor, block or isolate, not 'lockdown'\" '$SB/console' && ! grep -q 'aws s3' '$SB/calls'"

render "$FW_WORK/bad.sh" package_url=https://example.com/cordon.deb
run "$FW_WORK/bad.sh"
check "package not on S3: refused with the expected form ($rc)" \
	bash -c "test $rc -eq 1 && grep -q 'package_url must be s3://BUCKET/KEY.deb' '$SB/console'"

render "$FW_WORK/mon.sh" guardduty_detector_id= mode=monitor trusted_lists= lockdown_allow= \
	lockdown_allow_units= conversion_security_group=
run "$FW_WORK/mon.sh"
check "empty lists and no detector: installs ($rc)" test "$rc" -eq 0
check "empty lists and no detector: GuardDuty polling off, no empty list keys" \
	bash -c "grep -qx 'enabled = false' '$conf' && grep -qx 'mode = monitor' '$conf' &&
	! grep -qE '^(trusted|allow|allow_unit) =' '$conf'"
check_config "empty lists and no detector"

# The bundle's location and sum are checked before anything is fetched
# (the install itself runs in a root without apt: test_userdata_bundle.sh).
render "$FW_WORK/b.sh" package_url= bundle_url=s3://ops/cordon-0.1.0-x86_64.tar.gz bundle_sha256=abc
run "$FW_WORK/b.sh"
check "bundle_sha256 not 64 hex digits: refused before any download ($rc)" \
	bash -c "test $rc -eq 1 && grep -q 'bundle_sha256 must be 64 lowercase hex digits' '$SB/console' &&
	! grep -q 'aws s3' '$SB/calls'"
render "$FW_WORK/b.sh" package_url= bundle_url=https://example.com/b.tar.gz bundle_sha256="$(printf '%064d' 0)"
run "$FW_WORK/b.sh"
check "bundle not on S3: refused with the expected form ($rc)" \
	bash -c "test $rc -eq 1 && grep -q 'bundle_url must be s3://BUCKET/KEY.tar.gz' '$SB/console'"
render "$FW_WORK/b.sh" package_url= bundle_url=
run "$FW_WORK/b.sh"
check "neither a package nor a bundle: refused, says what to set ($rc)" \
	bash -c "test $rc -eq 1 && grep -q 'no bundle_url is set' '$SB/console'"

# A source tarball instead of a .deb: a stand-in tree whose Makefile
# builds and installs under DESTDIR like the real one.
mkdir -p "$FW_WORK/src/cordon-0.1/firmware/systemd"
cp firmware/systemd/cordon.sysusers "$FW_WORK/src/cordon-0.1/firmware/systemd/"
cat >"$FW_WORK/src/cordon-0.1/Makefile" <<'EOF'
all:
	@test -z "$$FAIL_BUILD" || { echo "cc: error: planted" >&2; exit 1; }
	@mkdir -p $(O) && echo built >$(O)/cordon
install:
	install -D -m 0755 $(O)/cordon $(DESTDIR)$(PREFIX)/sbin/cordon
EOF
tar -czf "$SB/src.tar.gz" -C "$FW_WORK/src" cordon-0.1
render "$FW_WORK/src.sh" package_url=s3://cordon-lists-abc/packages/cordon-0.1.tar.gz
run "$FW_WORK/src.sh"
check "source tarball: built and installed ($rc)" \
	bash -c "test $rc -eq 0 && test -x '$SB/root/usr/sbin/cordon' && test -e '$SB/root/usr/lib/sysusers.d/cordon.conf'"
check "source tarball: build dependencies installed, the user created" \
	bash -c "grep -q 'apt-get install -y -q --no-install-recommends build-essential pkg-config libpcap-dev' '$SB/calls' &&
	grep -qx 'systemd-sysusers ' '$SB/calls' || { sed 's/^/# /' '$SB/calls'; false; }"
run "$FW_WORK/src.sh" FAIL_BUILD=1
check "source tarball that does not build: fails, says why ($rc)" \
	bash -c "test $rc -eq 1 && grep -q 'the build failed: .*cc: error: planted' '$SB/console' &&
	! grep -q 'create-tags' '$SB/calls'"

# The build dependencies in user-data are the Makefile's library -dev
# packages, compiler and pkg-config: no more, no less.
ud_deps=$(sed -n '/^BUILD_DEPS="/,/"$/p' "$TEMPLATE" | tr -d '"' | sed 's/^BUILD_DEPS=//' | tr ' ' '\n' | sed '/^$/d' | sort)
mk_deps=$(make -s -p -n -f Makefile 2>/dev/null | sed -n 's/^DEB_PKGS := //p' | head -1 | tr ' ' '\n' |
	grep -E '^(build-essential|pkg-config|lib.*-dev)$' | grep -vE '^(libcmocka-dev|libclang-rt-.*)$' | sort)
check "user-data's BUILD_DEPS match the Makefile's build packages" \
	bash -c "[[ '$ud_deps' == '$mk_deps' ]] || { diff <(echo '$ud_deps') <(echo '$mk_deps') | sed 's/^/# /'; false; }"
finish
