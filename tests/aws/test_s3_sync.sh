#!/bin/bash
# cordon sync against moto_server over HTTPS with SigV4 checked: every
# location form, ETag/304, checksums, the state directory, bad lists, bad
# secrets, missing objects, local files. TAP.
source "$(dirname "$0")/lib.sh"
start_moto

st=$AWS_WORK/state
out=$AWS_WORK/out
sync() { "$CORDON" sync --state-dir "$st" --no-enforce "$@" >"$out" 2>&1; }
has() { grep -qF -- "$1" "$out" || { sed 's/^/# /' "$out"; return 1; }; }

printf '203.0.113.7\n198.51.100.0/24\n2001:db8::/48\n' >"$AWS_WORK/t1.txt"
printf '203.0.113.9\n' >"$AWS_WORK/t2.txt"
printf 'this is not a list\n<html>\n' >"$AWS_WORK/bad.txt"
printf '192.0.2.1\n' >"$AWS_WORK/trusted.txt"
# moto's own SigV4 check refuses keys with '+', '%', '=' or non-ASCII even
# from boto3; those encodings are proven against botocore in test_sigv4.sh.
s3 mb lists -- put lists threat.txt "$AWS_WORK/t1.txt" SHA256 \
	-- put lists "dir/my list~v1.txt" "$AWS_WORK/t2.txt" CRC32 \
	-- put lists plain.txt "$AWS_WORK/t2.txt" -- put lists bad.txt "$AWS_WORK/bad.txt" \
	-- put lists swap.txt "$AWS_WORK/t1.txt"

# moto really checks signatures: an unsigned request is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$MOTO_URL/lists/threat.txt")
check "moto refuses an unsigned GetObject ($code)" test "$code" = 403

sync --threat-list s3://lists/threat.txt
check "first sync: exit 0" test $? -eq 0
check "first sync: updated, 3 entries, sha256 checked" has "s3://lists/threat.txt: updated, 3 entries, etag \""
check "first sync: checksum sha256 verified" has "checksum sha256"
n=$(ls "$st/lists/"*.body 2>/dev/null | wc -l)
check "last good copy stored in the state directory" test "$n" -eq 1
check "stored copy is the object" cmp -s "$st"/lists/*.body "$AWS_WORK/t1.txt"

sync --threat-list s3://lists/threat.txt
check "second sync: 304, unchanged" has "s3://lists/threat.txt: unchanged, 3 entries"

sync --threat-list "s3://lists/dir/my list~v1.txt"
check "key with a space and a tilde" has "updated, 1 entries, etag"
check "CRC32 verified" has "checksum crc32"

for loc in https://s3.amazonaws.com/lists/threat.txt \
	https://lists.s3.amazonaws.com/threat.txt \
	https://s3.us-east-1.amazonaws.com/lists/threat.txt \
	https://lists.s3.us-east-1.amazonaws.com/threat.txt \
	"https://s3.amazonaws.com/lists/dir/my%20list~v1.txt"; do
	sync --threat-list "txt:$loc"
	check "location form $loc" has "$loc: updated"
done

sync --threat-list s3://lists/plain.txt --trusted-list "$AWS_WORK/trusted.txt"
check "several lists, a local trusted file: exit 0" test $? -eq 0
check "a second object (boto3 default CRC32)" has "s3://lists/plain.txt: updated, 1 entries"
check "local file loaded" has "$AWS_WORK/trusted.txt: loaded, 1 entries"

# An object that is not a valid list never replaces the last good copy.
sync --threat-list s3://lists/swap.txt
good=$(cat "$st"/lists/*.body | md5sum)
s3 put lists swap.txt "$AWS_WORK/bad.txt"
sync --threat-list s3://lists/swap.txt
rc=$?
check "invalid list: failed, says why" has "s3://lists/swap.txt: failed: "
check "invalid list: last good copy in force (exit $rc)" test $rc -eq 0
check "invalid list: reported in force with 3 entries" has "last good copy in force, 3 entries"
check "invalid list: stored copies untouched" test "$(cat "$st"/lists/*.body | md5sum)" = "$good"

sync --threat-list s3://lists/bad.txt
check "invalid list, nothing stored: exit 1" test $? -eq 1
check "invalid list, nothing stored: no list in force" has "no list in force"

sync --threat-list s3://lists/missing.txt
check "missing object: exit 1" test $? -eq 1
check "missing object: NoSuchKey surfaced" has "S3 GetObject s3://lists/missing.txt: NoSuchKey"

secret=$AWS_SECRET_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=wrong${secret:5} sync --threat-list s3://lists/threat.txt
check "wrong secret: last good copy in force (exit 0)" test $? -eq 0
check "wrong secret: SignatureDoesNotMatch reported" has "S3 GetObject s3://lists/threat.txt: SignatureDoesNotMatch"
check "no secret in the output" bash -c "! grep -qF -- '${secret:5}' '$out'"
AWS_SECRET_ACCESS_KEY=wrong${secret:5} "$CORDON" sync --state-dir "$AWS_WORK/empty" --no-enforce \
	--threat-list s3://lists/threat.txt >"$out" 2>&1
check "wrong secret, nothing stored: exit 1" test $? -eq 1

AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000 sync --threat-list s3://lists/threat.txt
check "unknown key: InvalidAccessKeyId reported" has "InvalidAccessKeyId"

akid=$AWS_ACCESS_KEY_ID
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
 printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$akid" "$secret" >"$AWS_WORK/credentials"
 printf '[profile other]\nregion = us-east-1\n' >"$AWS_WORK/config"
 AWS_SHARED_CREDENTIALS_FILE=$AWS_WORK/credentials AWS_CONFIG_FILE=$AWS_WORK/config \
	"$CORDON" sync --state-dir "$AWS_WORK/prof" --no-enforce --threat-list s3://lists/threat.txt >"$out" 2>&1)
check "credentials from the shared credentials file" has "s3://lists/threat.txt: updated"

AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt sync --threat-list s3://lists/threat.txt
check "TLS verified: unknown CA refused" has "SSL"

sync --threat-list https://example.com/list.txt
check "not an S3 location: refused" has "not an S3 endpoint host"

# Lists, limits, [aws] settings and the state directory from the config.
printf '[agent]\nstate_dir = %s/cfgstate\n[lists]\nthreat = txt:s3://lists/plain.txt\ntrusted = %s\n[aws]\nmax_attempts = 2\n' \
	"$AWS_WORK" "$AWS_WORK/trusted.txt" >"$AWS_WORK/cordon.conf"
chmod 600 "$AWS_WORK/cordon.conf"
"$CORDON" sync -c "$AWS_WORK/cordon.conf" --no-enforce >"$out" 2>&1
check "lists from the config file: exit 0" test $? -eq 0
check "lists from the config file: both in force" \
	bash -c "grep -q 'plain.txt: updated' '$out' && grep -q 'trusted.txt: loaded' '$out'"
check "state directory from the config file" test -s "$(ls "$AWS_WORK"/cfgstate/lists/*.body | head -1)"
printf '[lists]\nthreat = bogus:x\n' >"$AWS_WORK/bad.conf"
chmod 600 "$AWS_WORK/bad.conf"
"$CORDON" sync -c "$AWS_WORK/bad.conf" --no-enforce >"$out" 2>&1
check "a bad list in the config: exit 2" test $? -eq 2
check "a bad list in the config: file, line and key named" has "bad.conf:2: [lists] threat"

# Enforcing: in a network namespace of our own, where S3 cannot be
# reached, the last good copy is what gets applied to nftables.
ns=cdsync$$
if ip netns add "$ns" 2>/dev/null; then
	NETNS+=("$ns")
	sync --threat-list s3://lists/threat.txt # the last good copy is t1.txt again
	ip netns exec "$ns" env AWS_MAX_ATTEMPTS=1 "$CORDON" sync --state-dir "$st" \
		--threat-list s3://lists/threat.txt --trusted-list "$AWS_WORK/trusted.txt" >"$out" 2>&1
	rc=$?
	check "enforce: S3 unreachable, last good copy in force (exit $rc)" test $rc -eq 0
	check "enforce: applied" has "enforced: 3 threat, 1 trusted elements"
	check "enforce: the threat entry is in the kernel's set" \
		bash -c "ip netns exec $ns nft list set inet cordon threat4 | grep -q 203.0.113.7"
	ip netns exec "$ns" "$CORDON" sync --state-dir "$st" --threat-list s3://lists/missing.txt >"$out" 2>&1
	check "enforce: a list with nothing in force is not applied (exit 1)" test $? -eq 1
	check "enforce: nothing applied then" bash -c "! grep -q enforced: '$out'"
else
	for i in 1 2 3 4 5; do T=$((T + 1)); echo "ok $T # SKIP cannot create a network namespace"; done
fi

# Links the agent's user (uid 4242) planted in its state directory, run as
# root (issue 11 item 12): sync neither follows lists/ nor writes through
# a link; as pid 1 of its own pid namespace its temp names end in ".1".
lst=$AWS_WORK/linked
can=$AWS_WORK/canary
as_agent() { setpriv --reuid 4242 --regid 4242 --clear-groups "$@"; }
canary_same() { [[ $(cat "$can") == canary && $(stat -c '%u %a %h' "$can") == "0 644 1" &&
	-z $(ls -A "$AWS_WORK/canary.d") ]]; }
printf 'canary\n' >"$can"
chmod 0644 "$can"
mkdir -m 0755 "$AWS_WORK/canary.d"
mkdir -m 0700 "$lst"
chown 4242:4242 "$lst"
chmod 0711 "$AWS_WORK"
as_agent ln -s "$AWS_WORK/canary.d" "$lst/lists"
unshare --pid --fork "$CORDON" sync --state-dir "$lst" --no-enforce \
	--threat-list s3://lists/threat.txt >"$out" 2>&1
check "links: a linked lists/ is refused (exit $?)" test $? -ne 0
check "links: ... saying so" has "/lists: a symlink, refused"
check "links: nothing written through lists/" canary_same
rm "$lst/lists"
as_agent mkdir -m 0700 "$lst/lists"
hex=$(printf 'txt:s3://lists/threat.txt' | sha256sum | cut -c1-16)
for n in "$hex.body" "$hex.meta" ".$hex.body.tmp.1" ".$hex.meta.tmp.1"; do
	as_agent ln -s "$can" "$lst/lists/$n"
done
unshare --pid --fork "$CORDON" sync --state-dir "$lst" --no-enforce \
	--threat-list s3://lists/threat.txt >"$out" 2>&1
check "links: sync with links at the list's names (exit $?)" has "s3://lists/threat.txt: updated, 3 entries"
check "links: canary untouched" canary_same
check "links: the list stored as a file of its own" \
	bash -c "[[ ! -L $lst/lists/$hex.body ]] && cmp -s $lst/lists/$hex.body $AWS_WORK/t1.txt"
check "links: meta stored as a file of its own" bash -c "[[ -f $lst/lists/$hex.meta && ! -L $lst/lists/$hex.meta ]]"
check "links: planted temp links gone" bash -c "! ls -A $lst/lists | grep -q tmp"

finish
