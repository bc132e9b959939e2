#!/bin/bash
# tests/aws/build_driver.sh cloud|respond OUT: build one of the test drivers
# with the modules it drives and the shared AWS client, with the sanitizers
# in $SANITIZE (default address,undefined; "" for none). Compiles in
# parallel and does nothing when OUT is newer than every source.
#   cloud    tests/aws/cloud_driver.c: EC2, SNS, EventBridge, Security Hub,
#            GuardDuty calls
#   respond  tests/aws/respond_driver.c: the heartbeat calls and the agent's
#            cordon Incident event
set -eu
cd "$(dirname "$0")/../.."
kind=${1:?usage: build_driver.sh cloud|respond OUT}
out=${2:?usage: build_driver.sh cloud|respond OUT}
san=${SANITIZE-address,undefined}
flags=(-g -O1)
[[ -n $san ]] && flags+=(-fsanitize="$san" -fno-omit-frame-pointer -fno-sanitize-recover=all)
aws=(common/aws/aws_client.c common/aws/aws_dns.c common/addr.c common/aws/aws_creds.c
	common/aws/aws_credp.c common/aws/aws_endpoint.c common/aws/aws_err.c common/aws/aws_http.c
	common/aws/aws_imds.c common/aws/aws_profile.c common/aws/aws_retry.c common/aws/aws_sigv4.c
	common/aws/aws_xml.c common/aws/aws_checksum.c common/aws/curl_dl.c common/buf.c common/log.c common/xmlsafe.c
	common/util.c)
case $kind in
cloud)
	srcs=(tests/aws/cloud_driver.c
		enforcer/cloud/cloud.c enforcer/cloud/cloud_xml.c enforcer/cloud/cloud_tags.c
		enforcer/cloud/cloud_tags_xml.c enforcer/cloud/cloud_list.c enforcer/cloud/cloud_time.c
		enforcer/cloud/notify.c enforcer/cloud/notify_events.c enforcer/cloud/notify_text.c
		enforcer/cloud/notify_finding.c enforcer/cloud/notify_json.c enforcer/cloud/notify_link.c
		enforcer/cloud/notify_release.c feeds/gd.c feeds/gd_parse.c)
	hdrs=(enforcer/cloud/*.h feeds/gd.h) ;;
respond)
	srcs=(tests/aws/respond_driver.c enforcer/cloud/cloud_heartbeat.c
		enforcer/cloud/cloud_heartbeat_xml.c enforcer/cloud/cloud_time.c
		enforcer/cloud/notify_events.c enforcer/cloud/notify_json.c
		enforcer/cloud/notify_finding.c enforcer/cloud/notify_link.c
		enforcer/respond/respond_event.c)
	hdrs=(enforcer/cloud/*.h enforcer/respond/*.h) ;;
*)
	echo "build_driver.sh: no driver '$kind' (cloud or respond)" >&2
	exit 2 ;;
esac
srcs+=("${aws[@]}")
if [[ -x $out ]]; then
	stale=0
	for s in "${srcs[@]}" common/*.h common/aws/*.h "${hdrs[@]}" "$0"; do
		[[ $s -nt $out ]] && stale=1 && break
	done
	[[ $stale -eq 0 ]] && exit 0
fi
mkdir -p "$(dirname "$out")"
objs=$(mktemp -d /tmp/cordon-driver.XXXXXX)
trap 'rm -rf "$objs"' EXIT
read -r -a pkg <<<"$(pkg-config --cflags libcurl openssl expat libcjson)"
read -r -a libs <<<"$(pkg-config --libs openssl expat libcjson)"
read -r -a inc <<<"$(make -s --no-print-directory print-inc)"
pids=()
for s in "${srcs[@]}"; do
	${CC:-cc} -D_GNU_SOURCE "${inc[@]}" -std=gnu11 -Wall -Wextra \
		-Wno-missing-field-initializers "${flags[@]}" "${pkg[@]}" \
		-c -o "$objs/$(echo "$s" | tr / _).o" "$s" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
${CC:-cc} "${flags[@]}" -o "$out.tmp" "$objs"/*.o "${libs[@]}" -lm
mv "$out.tmp" "$out"
