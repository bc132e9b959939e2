#!/bin/bash
# firmware/lab/replay.sh: act 1 of `make demo` (firmware/lab/demo.sh), the
# sensor offline: a capture of a host talking to listed addresses
# (generated with scapy), the sample lists in every GuardDuty format,
# `cordon replay` and `cordon check`. No root, no network.
set -eu
cd "$(dirname "$0")/../.."
CORDON=${CORDON:-build/cordon}
PY=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d /tmp/cordon-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

if [[ -t 1 ]]; then B=$'\033[1m' N=$'\033[0m'; else B='' N=''; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }

say "threat list (GuardDuty txt format) and trusted list"
grep -v '^#' tests/data/lists/threat.txt | sed 's/^/   threat:  /'
grep -v '^#' tests/golden/trusted.txt | sed 's/^/   trusted: /'

say "a capture of 192.0.2.10 / 2001:db8:1::10 at work (scapy)"
"$PY" tests/golden/gen.py "$work" >/dev/null
tcpdump -nr "$work/eth.pcap" 2>/dev/null | head -8 | sed 's/^/   /'
echo "   ... $(tcpdump -nr "$work/eth.pcap" 2>/dev/null | wc -l) packets"

say "cordon replay: GuardDuty-shaped findings, one JSON object per line"
"$CORDON" replay --instance-id i-0123456789abcdef0 \
	--threat-list tests/data/lists/threat.txt \
	--trusted-list tests/golden/trusted.txt "$work/eth.pcap" >"$work/findings.json"
"$PY" - "$work/findings.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    a = f["service"]["action"]["networkConnectionAction"]
    ip = lambda d: d.get("ipAddressV4") or d.get("ipAddressV6")
    port = a.get("remotePortDetails" if a["connectionDirection"] == "OUTBOUND" else "localPortDetails", {}).get("port", "-")
    print("   %-8s %-6s %-16s <-> %-18s port %-5s flows %d packets %-3d bytes %-5d list %s" % (
        a["connectionDirection"], a["protocol"], ip(a["localIpDetails"]), ip(a["remoteIpDetails"]),
        port, f["service"]["count"], f["service"]["additionalInfo"]["packets"],
        f["service"]["additionalInfo"]["bytes"], f["service"]["additionalInfo"]["threatListEntry"]))
PY

say "the same capture against the same entries in every GuardDuty format"
for f in threat.txt stix:threat.stix.xml otx_csv:threat.otx.csv alien_vault:threat.alienvault.txt \
	proof_point:threat.proofpoint.csv fire_eye:threat.fireeye.csv; do
	fmt=${f%%:*}; file=${f#*:}; [[ $f == *:* ]] || fmt=txt
	n=$("$CORDON" replay --threat-list "$fmt:tests/data/lists/$file" \
		--trusted-list tests/golden/trusted.txt "$work/eth.pcap" 2>/dev/null | wc -l)
	printf '   %-12s %2d findings\n' "$fmt" "$n"
done

say "cordon check: why is an address listed?"
"$CORDON" check --threat-list tests/data/lists/threat.txt \
	--trusted-list tests/golden/trusted.txt \
	203.0.113.7 198.51.100.9 198.51.100.66 2001:db8:c0::1 192.0.2.20 | sed 's/^/   /'
