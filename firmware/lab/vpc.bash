#!/bin/bash
# firmware/lab/vpc.bash: the lab's VPC, sourced by firmware/lab/demo.sh,
# tests/netns/daemon_cloud_lib.bash and tests/netns/lab_vpc.sh
# (docs/internals/lab.md, "The VPC").
#
#   instance ns ---+                    +--- region ns: moto (every service
#   (eth0, eth1)   |                    |    on its own address), the fakes,
#                  +-- fabric ns (sw) --+    the SNS subscriber (SQS)
#   outside ns ----+   routes, answers  +--- md ns: 169.254.169.254, the
#   (evil, peer,       ARP for all,          metadata service, reached by
#    responder)        enforces the          instances only, before any
#                      security groups       security group
#
# The fabric is a router, not a bridge: it answers every ARP request
# itself (proxy ARP, as the VPC's hypervisor does), so the namespaces keep
# on-link routes, and every packet between two ports is routed through its
# forward hook, where conntrack and tests/aws/vpc_sg.py's table (`inet
# vpc`) apply each instance port's security groups. Nothing passes the
# fabric until the controller has loaded its first table.
#
# Needs from the caller: PFX (namespace prefix), WORK, REGION_PY (python
# with boto3), the arrays NSS (namespace suffixes, for cleanup) and PIDS.
# LAB_ENFORCE_SG=1 enforces the security groups, 0 lets every packet
# through (the topology and the metadata service stay); LAB_VPC_POLL is the
# controller's poll interval in seconds: it reads EC2 within that time of
# a change (moto counts them: tests/aws/moto_hint.py) and every 2 s.
# LAB_VPC_SYNC=1 (default): moto answers an EC2 change only once the fabric
# enforces it (never later than AWS: no race for an agent to win by luck);
# 0: moto answers at once and the fabric follows within LAB_VPC_POLL plus
# one poll (eventually consistent, as AWS is, and racy).
# shellcheck disable=SC2034 # VPC_* are for the sourcing script

# Off by default until the agent's plan survives its own cut (issue 9):
# with it on, the primary interface's move cuts the agent off the API.
LAB_ENFORCE_SG=${LAB_ENFORCE_SG:-1}
LAB_VPC_POLL=${LAB_VPC_POLL:-0.05}
LAB_VPC_SYNC=${LAB_VPC_SYNC:-1}
VPC_PREFIXES=(192.0.2.0/24 198.51.100.0/24 203.0.113.0/24)
VPC_REGION_IP=198.51.100.254
# One address per service endpoint: on AWS each service has its own host
# name, so a connection kept alive to one (EC2) never carries a call to
# another (SNS); in the lab they would all share moto's one address.
declare -A VPC_SERVICE_IP=([EC2]=198.51.100.241 [SNS]=198.51.100.242 [S3]=198.51.100.243
	[EVENTBRIDGE]=198.51.100.244 [SECURITYHUB]=198.51.100.245)

vpc_ns() { # SUFFIX: the namespace $PFX-SUFFIX, made once
	ip netns list | grep -q "^$PFX-$1\\b" && return 0
	ip netns add "$PFX-$1" || return 1
	ip -n "$PFX-$1" link set lo up
	NSS+=("$1")
}

# vpc_stop: every process in the namespaces vpc_ns() made and in PIDS
# ended, then the namespaces removed (the EXIT traps of the lab and of
# the tests on its VPC).
vpc_stop() {
	local n p
	for n in "${NSS[@]}"; do
		for p in $(ip netns pids "$PFX-$n" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "${NSS[@]}"; do ip netns del "$PFX-$n" 2>/dev/null; done
}

# vpc_fabric: the fabric namespace, forwarding, proxy ARP, and a table
# that passes nothing until the controller loads its own.
vpc_fabric() {
	mkdir -p "$WORK/vpc"
	: >"$WORK/vpc/ports"
	vpc_ns sw || return 1
	ip netns exec "$PFX-sw" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.proxy_arp=1 \
		net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip netns exec "$PFX-sw" nft -f - <<'EOF'
table inet vpc {
	chain input { type filter hook input priority filter; policy drop; }
	chain forward { type filter hook forward priority filter; policy drop; }
}
EOF
}

# vpc_node NS IFNAME PORT instance|outside ADDR/LEN...: a link from
# namespace NS (made if missing) to the fabric's port PORT (15 bytes at
# most). Routes in NS: on-link to the lab's prefixes (the first link of a
# namespace carries them) and, for an instance, to 169.254.169.254. In the
# fabric: a host route and a permanent neighbour per address (the VPC knows
# each interface's MAC). An instance port is enforced; which network
# interface it is comes later (vpc_attach).
vpc_node() {
	local n=$1 ifn=$2 port=$3 kind=$4 a mac pfx tmp=v$3$$
	shift 4
	vpc_ns "$n" || return 1
	ip link add "${tmp:0:15}" netns "$PFX-$n" type veth peer name "$port" netns "$PFX-sw" || return 1
	ip -n "$PFX-$n" link set "${tmp:0:15}" name "$ifn"
	for a; do ip -n "$PFX-$n" addr add "$a" dev "$ifn"; done
	ip -n "$PFX-$n" link set "$ifn" up
	ip netns exec "$PFX-sw" sysctl -qw "net.ipv4.neigh.$port.proxy_delay=0" >/dev/null
	ip -n "$PFX-sw" link set "$port" up
	mac=$(ip netns exec "$PFX-$n" cat "/sys/class/net/$ifn/address")
	for a; do
		ip -n "$PFX-sw" route replace "${a%/*}/32" dev "$port"
		ip -n "$PFX-sw" neigh replace "${a%/*}" lladdr "$mac" dev "$port" nud permanent
	done
	for pfx in "${VPC_PREFIXES[@]}"; do ip -n "$PFX-$n" route add "$pfx" dev "$ifn" 2>/dev/null; done
	if [[ $kind == instance ]]; then
		ip -n "$PFX-$n" route add 169.254.169.254/32 dev "$ifn" 2>/dev/null
		local list=""
		for a; do list+=${list:+,}${a%/*}; done
		echo "$port - $list" >>"$WORK/vpc/ports"
	fi
}

# vpc_attach PORT ENI: the network interface behind an instance port.
vpc_attach() {
	awk -v p="$1" -v e="$2" '$1 == p { $2 = e } { print }' "$WORK/vpc/ports" >"$WORK/vpc/ports.tmp" &&
		mv "$WORK/vpc/ports.tmp" "$WORK/vpc/ports"
}

# vpc_region NS [ADDR/LEN...]: the region's namespace on the fabric, with
# moto's address, one per service endpoint (vpc_addresses lists them for
# the certificate) and these.
vpc_region() {
	local s addrs=("$VPC_REGION_IP/24")
	for s in "${!VPC_SERVICE_IP[@]}"; do addrs+=("${VPC_SERVICE_IP[$s]}/24"); done
	vpc_node "$1" eth0 "s$1" outside "${addrs[@]}" "${@:2}"
}

# vpc_moto: what region_start_moto runs, moto with its change count
# (call before it).
vpc_moto() {
	REGION_MOTO_CMD=("$PWD/tests/aws/moto_hint.py" --hint "$WORK/vpc/ec2.changes")
	[[ $LAB_VPC_SYNC == 1 ]] && REGION_MOTO_CMD+=(--ack "$WORK/vpc/polls")
	REGION_BIND=0.0.0.0
}

# vpc_addresses: every address of the region (for the certificate).
vpc_addresses() { echo "$VPC_REGION_IP" "${VPC_SERVICE_IP[@]}"; }

# vpc_endpoints PORT: the instance's endpoint variables, one a word:
# AWS_ENDPOINT_URL (moto's address) and AWS_ENDPOINT_URL_<SERVICE>.
vpc_endpoints() {
	local s p=${1:-443}
	echo "AWS_ENDPOINT_URL=https://$VPC_REGION_IP:$p"
	for s in "${!VPC_SERVICE_IP[@]}"; do echo "AWS_ENDPOINT_URL_$s=https://${VPC_SERVICE_IP[$s]}:$p"; done
}

# vpc_imds PY INSTANCE PRIVATE_IP CREDS LOG [ARGS...]: the metadata
# service's namespace (md, on the fabric's port smd) and
# tests/aws/fake_imds.py on 169.254.169.254:80, with the instance's tags
# from the controller (WORK/vpc/imds.json).
vpc_imds() {
	local py=$1 iid=$2 ip=$3 creds=$4 log=$5
	shift 5
	vpc_node md eth0 smd outside 169.254.169.254/32 || return 1
	: >"$log"
	ip netns exec "$PFX-md" "$py" tests/aws/fake_imds.py --addr 169.254.169.254 --port 80 \
		--instance-id "$iid" --private-ip "$ip" --creds "$creds" --log "$log" \
		--tags-file "$WORK/vpc/imds.json" "$@" &
	PIDS+=($!)
}

# vpc_controller NS URL CA KEY SECRET: tests/aws/vpc_sg.py in the region's
# namespace NS, as the region's administrator; waits for its first table.
vpc_controller() {
	local ns=$1 url=$2 ca=$3 key=$4 secret=$5 i
	local -a opt=()
	[[ $LAB_ENFORCE_SG == 1 ]] || opt=(--no-enforce)
	ip netns exec "$PFX-$ns" env -u AWS_SESSION_TOKEN -u AWS_PROFILE \
		AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" \
		"$REGION_PY" tests/aws/vpc_sg.py --endpoint "$url" --ca "$ca" --fabric "$PFX-sw" \
		--ports "$WORK/vpc/ports" --dir "$WORK/vpc" --interval "$LAB_VPC_POLL" "${opt[@]}" \
		--hint "$WORK/vpc/ec2.changes" \
		>>"$WORK/vpc/out" 2>&1 &
	PIDS+=($!)
	VPC_PID=$!
	for ((i = 0; i < 300; i++)); do
		[[ -e $WORK/vpc/ready ]] && return 0
		kill -0 "$VPC_PID" 2>/dev/null || break
		sleep 0.1
	done
	VPC_WHY="the VPC controller did not load its first table (log: $WORK/vpc/log, $WORK/vpc/out)"
	return 1
}

# vpc_settled: until the controller has read EC2 after every change
# moto had made when this was called (and loaded the table that follows).
vpc_settled() {
	local h i p
	h=$(cat "$WORK/vpc/ec2.changes" 2>/dev/null || echo 0)
	for ((i = 0; i < 600; i++)); do
		read -r _ p <"$WORK/vpc/polls" 2>/dev/null
		[[ ${p:-0} -ge $h ]] && return 0
		kill -0 "$VPC_PID" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}
