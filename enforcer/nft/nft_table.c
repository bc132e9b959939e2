/* SPDX-License-Identifier: MIT */
/*
 * The skeleton of table inet cordon: sets, named counters, chains and
 * their rules. Every transaction that changes the skeleton re-creates
 * the objects (a no-op for those that exist), flushes every chain and
 * adds its rules again, so the table always matches this file exactly.
 *
 *   input   : iif lo accept; jump gate_in; @trip -> jump lock_in; jump chk_in
 *   output  : oif lo accept; tag agent flows; jump gate_out;
 *             @trip -> jump lock_out; jump chk_out
 *   forward : jump gate_fwd; @trip -> jump lock_fwd; jump chk_fwd_*
 *   gate_*  : empty, or one "jump lock_*" rule while in lockdown
 *   chk_*   : allowlist, safe, trusted -> return; threat -> count, log,
 *             (isolate, outbound: add to @trip), drop
 *   lock_*  : the agent's and allowed units' own packets (per packet, by
 *             socket), replies of their flows, ICMPv6 ND, DHCP client,
 *             responders -> accept; everything else -> drop
 *   content : never jumped to; its rule's comment is the sets' content
 *             hash (applied.h), changed in the same transaction as they
 *
 * Lockdown and release only change the gate chains (six messages).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nft.h"

#define TYPE_IPADDR 7  /* nft's datatype ids, so `nft list` prints addresses */
#define TYPE_IP6ADDR 8
#define TYPE_MARK 19

const char *const nft_counter_names[NFT_COUNTERS] = {
	"drop_in", "drop_out", "drop_fwd",
	"lockdown_in", "lockdown_out", "lockdown_fwd",
};

static const char *const chains[] = {
	"input", "output", "forward", "gate_in", "gate_out", "gate_fwd",
	"chk_in", "chk_out", "chk_fwd_src", "chk_fwd_dst",
	"lock_in", "lock_out", "lock_fwd", "content",
};

uint64_t nft_skel_sig(const struct nft_skel *sk)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const uint8_t *p;

#define MIX(ptr, len)                                                          \
	for (p = (const uint8_t *)(ptr); p < (const uint8_t *)(ptr) + (len); p++) \
		h = (h ^ *p) * 0x100000001b3ull
	/* Not the lock state: the gate chains say that (nft_table_gates). */
	MIX("cordon-skel-8", 13);
	MIX(&sk->trip, sizeof(sk->trip));
	MIX(&sk->agent_uid, sizeof(sk->agent_uid));
	MIX(&sk->ct_mark, sizeof(sk->ct_mark));
	MIX(&sk->nflog_group, sizeof(sk->nflog_group));
	for (size_t i = 0; i < sk->n_allow; i++) {
		MIX(&sk->allow[i].pfx.a.af, 1);
		MIX(sk->allow[i].pfx.a.u.b, 16);
		MIX(&sk->allow[i].pfx.len, 1);
		MIX(&sk->allow[i].port, 2);
		MIX(&sk->allow[i].proto, 1);
	}
	for (size_t i = 0; i < sk->n_units; i++) {
		MIX(&sk->unit_cgid[i], 8);
		MIX(&sk->unit_level[i], 4);
	}
#undef MIX
	return h ? h : 1;
}

static int build_table(struct nft_batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int rc = -ENOMEM;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = nft_batch_open(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, NULL, 1024);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		nft_batch_close(b, nlh);
		rc = 0;
	}
	nftnl_table_free(t);
	return rc;
}

static int new_set(struct nft_batch *b, enum nset_id i, uint32_t size)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, nset_defs[i].name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, nset_klen(i));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE,
			  nset_defs[i].af == AF_INET ? TYPE_IPADDR : TYPE_IP6ADDR);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
			  nset_defs[i].interval ? NFT_SET_INTERVAL : 0);
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)i + 1);
	/* Ignored for a set that exists: the kernel keeps its size. */
	if (size)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, size);
	nlh = nft_batch_open(b, NFT_MSG_NEWSET, NLM_F_CREATE, nset_defs[i].name,
			     1024);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nft_batch_close(b, nlh);
	}
	nftnl_set_free(s);
	return nlh ? 0 : -ENOMEM;
}

static int build_sets(struct nft_batch *b, const struct nft_skel *sk)
{
	int rc = 0;

	for (int i = 0; i < NS__COUNT && !rc; i++)
		if (!sk->set_new[i])
			rc = new_set(b, i, sk->set_size[i]);
	return rc;
}

/*
 * A set at another size: deleted (no rule uses it once the chains are
 * flushed) and created again under its name, all in this transaction,
 * so packets see the old set until the commit and the new one after.
 */
static int renew_sets(struct nft_batch *b, const struct nft_skel *sk)
{
	int rc = 0;

	for (int i = 0; i < NS__COUNT && !rc; i++) {
		struct nlmsghdr *nlh;

		if (!sk->set_new[i])
			continue;
		nlh = nft_batch_open(b, NFT_MSG_DELSET, 0, nset_defs[i].name, 512);
		if (!nlh)
			return -ENOMEM;
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, NFT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_NAME, nset_defs[i].name);
		nft_batch_close(b, nlh);
		rc = new_set(b, i, sk->set_size[i]);
	}
	return rc;
}

/*
 * The trip set: dynamic (the packet path adds to it), one constant key.
 * Created in every mode, so a host that tripped stays locked when the
 * mode changes; only isolate mode's rules add to it.
 */
static int build_trip_set(struct nft_batch *b)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, NFT_TRIP_SET);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, TYPE_MARK);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 4);
	nftnl_set_set_u32(s, NFTNL_SET_ID, NFT_TRIP_SET_ID);
	nlh = nft_batch_open(b, NFT_MSG_NEWSET, NLM_F_CREATE, NFT_TRIP_SET, 1024);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nft_batch_close(b, nlh);
	}
	nftnl_set_free(s);
	return nlh ? 0 : -ENOMEM;
}

int nft_table_trip_reset(struct nft_batch *b)
{
	struct nlmsghdr *nlh = nft_batch_open(b, NFT_MSG_DELSETELEM, 0,
					      NFT_TRIP_SET, 512);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, NFT_TRIP_SET);
	nft_batch_close(b, nlh);
	return 0;
}

static int build_counters(struct nft_batch *b)
{
	for (int i = 0; i < NFT_COUNTERS; i++) {
		struct nftnl_obj *o = nftnl_obj_alloc();
		struct nlmsghdr *nlh;

		if (!o)
			return -ENOMEM;
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NFT_TABLE);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, nft_counter_names[i]);
		nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		/* Without EXCL an existing counter is left alone, values kept. */
		nlh = nft_batch_open(b, NFT_MSG_NEWOBJ, NLM_F_CREATE,
				     nft_counter_names[i], 1024);
		if (nlh) {
			nftnl_obj_nlmsg_build_payload(nlh, o);
			nft_batch_close(b, nlh);
		}
		nftnl_obj_free(o);
		if (!nlh)
			return -ENOMEM;
	}
	return 0;
}

static int flush_chain(struct nft_batch *b, const char *chain);

static int build_chains(struct nft_batch *b)
{
	static const int hooks[] = { NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT,
				     NF_INET_FORWARD };

	for (size_t i = 0; i < ARRAY_SIZE(chains); i++) {
		struct nftnl_chain *c = nftnl_chain_alloc();
		struct nlmsghdr *nlh;

		if (!c)
			return -ENOMEM;
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chains[i]);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
		if (i < ARRAY_SIZE(hooks)) {
			nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hooks[i]);
			nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, NFT_PRIO);
			nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
			nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		}
		nlh = nft_batch_open(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
				     chains[i], 1024);
		if (nlh) {
			nftnl_chain_nlmsg_build_payload(nlh, c);
			nft_batch_close(b, nlh);
		}
		nftnl_chain_free(c);
		if (!nlh)
			return -ENOMEM;
	}
	/* Flush every chain: the rules below are the whole truth. */
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
		if (flush_chain(b, chains[i]))
			return -ENOMEM;
	return 0;
}

/* chk_*: the remote side's address (d) against the sets. */
static int build_check(struct nft_batch *b, const char *chain, enum nft_dir d,
		       const char *counter, uint16_t group, bool trip)
{
	static const enum nset_id exempt[] = {
		NS_ALLOW4N, NS_ALLOW6N, NS_SAFE4N, NS_SAFE6N,
		NS_TRUST4, NS_TRUST6, NS_TRUST4N, NS_TRUST6N,
	};
	static const enum nset_id threat[] = {
		NS_THREAT4, NS_THREAT6, NS_THREAT4N, NS_THREAT6N,
	};
	int rc = 0;

	/* IPv4 sets are matched twice: as IPv4, and inside NAT64 IPv6. */
	static const enum nset_id exempt64[] = { NS_TRUST4, NS_TRUST4N };
	static const enum nset_id threat64[] = { NS_THREAT4, NS_THREAT4N };
	const size_t nexempt = ARRAY_SIZE(exempt) + ARRAY_SIZE(exempt64);
	const size_t nthreat = ARRAY_SIZE(threat) + ARRAY_SIZE(threat64);

	for (size_t i = 0; i < nexempt && !rc; i++) {
		struct nft_rb rb = nft_rule_begin(chain);

		if (i < ARRAY_SIZE(exempt))
			nft_m_set(&rb, exempt[i], d);
		else
			nft_m_set_nat64(&rb, exempt64[i - ARRAY_SIZE(exempt)], d);
		rc = nft_rule_verdict(b, rb, chain, NFT_RETURN, NULL);
	}
	for (size_t i = 0; i < nthreat && !rc; i++) {
		struct nft_rb rb = nft_rule_begin(chain);

		if (i < ARRAY_SIZE(threat))
			nft_m_set(&rb, threat[i], d);
		else
			nft_m_set_nat64(&rb, threat64[i - ARRAY_SIZE(threat)], d);
		nft_e_counter(&rb, counter);
		nft_e_log(&rb, group);
		if (trip) {
			nft_e_imm32(&rb, NFT_TRIP_KEY);
			nft_e_dynset_add(&rb, NFT_TRIP_SET, NFT_TRIP_SET_ID);
		}
		rc = nft_rule_verdict(b, rb, chain, NF_DROP, NULL);
	}
	return rc;
}

/*
 * lock_*: inbound (d == NFT_SRC: the remote is the source) or outbound.
 * Forward checks both directions.
 */
static int build_lock(struct nft_batch *b, const char *chain,
		      const struct nft_skel *sk, bool in, bool out,
		      const char *counter)
{
	static const struct { bool in; uint16_t sport, dport; } dhcp[] = {
		{ true, 67, 68 }, { false, 68, 67 },
		{ true, 547, 546 }, { false, 546, 547 },
	};
	struct nft_rb rb;
	int rc = 0;

	/*
	 * The agent and the allowed units pass by who sends each packet
	 * (its socket's owner or cgroup), never by a conntrack mark alone:
	 * a UDP entry marked for the agent outlives the agent's socket, and
	 * another user who binds the same port would ride it. Inbound, only
	 * replies of a flow they opened (its entry carries the mark).
	 */
	if (out && !in) {
		if (sk->agent_uid != NFT_NO_UID) {
			rb = nft_rule_begin(chain);
			nft_e_meta(&rb, NFT_META_SKUID);
			nft_e_cmp(&rb, NFT_CMP_EQ, &sk->agent_uid, 4);
			rc = nft_rule_verdict(b, rb, chain, NF_ACCEPT, NULL);
		}
		for (size_t i = 0; i < sk->n_units && !rc; i++) {
			rb = nft_rule_begin(chain);
			nft_m_socket_cgroup(&rb, sk->unit_level[i], sk->unit_cgid[i]);
			rc = nft_rule_verdict(b, rb, chain, NF_ACCEPT, NULL);
		}
	} else if (in && !out) {
		rb = nft_rule_begin(chain);
		nft_m_ct_reply(&rb);
		nft_m_ctmark(&rb, sk->ct_mark);
		rc = nft_rule_verdict(b, rb, chain, NF_ACCEPT, NULL);
	}
	/* IPv6 neighbour discovery: without it no responder can reach us. */
	if (!rc) {
		uint8_t icmp6 = IPPROTO_ICMPV6, lo = 133, hi = 136;

		rb = nft_rule_begin(chain);
		nft_e_meta(&rb, NFT_META_L4PROTO);
		nft_e_cmp(&rb, NFT_CMP_EQ, &icmp6, 1);
		nft_e_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
		nft_e_cmp(&rb, NFT_CMP_GTE, &lo, 1);
		nft_e_cmp(&rb, NFT_CMP_LTE, &hi, 1);
		rc = nft_rule_verdict(b, rb, chain, NF_ACCEPT, NULL);
	}
	/*
	 * DHCP and DHCPv6 client traffic: a lease that cannot be renewed
	 * takes the host's address away, and the responders' access with it.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(dhcp) && !rc; i++) {
		if ((dhcp[i].in && !in) || (!dhcp[i].in && !out) || (in && out))
			continue;
		rb = nft_rule_begin(chain);
		nft_m_port(&rb, IPPROTO_UDP, NFT_SRC, dhcp[i].sport);
		nft_m_port(&rb, IPPROTO_UDP, NFT_DST, dhcp[i].dport);
		rc = nft_rule_verdict(b, rb, chain, NF_ACCEPT, NULL);
	}
	for (int dd = 0; dd < 2 && !rc; dd++) {
		enum nft_dir d = dd ? NFT_DST : NFT_SRC;

		if ((d == NFT_SRC && !in) || (d == NFT_DST && !out))
			continue;
		for (int v = 0; v < 2 && !rc; v++) {
			rb = nft_rule_begin(chain);
			nft_m_set(&rb, v ? NS_LALLOW6N : NS_LALLOW4N, d);
			rc = nft_rule_verdict(b, rb, chain, NF_ACCEPT, NULL);
		}
		/* Responder at the remote end, talking to PROTO/PORT on this host. */
		for (size_t i = 0; i < sk->n_allow && !rc; i++) {
			if (!sk->allow[i].port)
				continue;
			rb = nft_rule_begin(chain);
			nft_m_prefix(&rb, &sk->allow[i].pfx, d);
			nft_m_port(&rb, sk->allow[i].proto, d == NFT_SRC ? NFT_DST : NFT_SRC,
				   sk->allow[i].port);
			rc = nft_rule_verdict(b, rb, chain, NF_ACCEPT, NULL);
		}
	}
	if (rc)
		return rc;
	rb = nft_rule_begin(chain);
	nft_e_counter(&rb, counter);
	return nft_rule_verdict(b, rb, chain, NF_DROP, NULL);
}

/* "@trip -> jump lock_*": a lookup of one constant key per packet. */
static int trip_jump(struct nft_batch *b, const char *chain, const char *lock)
{
	struct nft_rb rb = nft_rule_begin(chain);

	nft_e_imm32(&rb, NFT_TRIP_KEY);
	nft_e_lookup_named(&rb, NFT_TRIP_SET, NFT_TRIP_SET_ID);
	return nft_rule_verdict(b, rb, chain, NFT_JUMP, lock);
}

static int build_rules(struct nft_batch *b, const struct nft_skel *sk)
{
	uint32_t lo = 1; /* loopback is ifindex 1 in every namespace */
	char sig[64];
	struct nft_rb rb;
	int rc;

	snprintf(sig, sizeof(sig), "cordon sig=%016llx",
		 (unsigned long long)nft_skel_sig(sk));
	rb = nft_rule_begin("input");
	nft_e_meta(&rb, NFT_META_IIF);
	nft_e_cmp(&rb, NFT_CMP_EQ, &lo, 4);
	rc = nft_rule_comment(&rb, sig);
	rc = rc ? rc : nft_rule_verdict(b, rb, "input", NF_ACCEPT, NULL);
	rc = rc ? rc : nft_rule_verdict(b, nft_rule_begin("input"), "input", NFT_JUMP, "gate_in");
	rc = rc ? rc : trip_jump(b, "input", "lock_in");
	rc = rc ? rc : nft_rule_verdict(b, nft_rule_begin("input"), "input", NFT_JUMP, "chk_in");
	if (rc)
		return rc;

	rb = nft_rule_begin("output");
	nft_e_meta(&rb, NFT_META_OIF);
	nft_e_cmp(&rb, NFT_CMP_EQ, &lo, 4);
	rc = nft_rule_verdict(b, rb, "output", NF_ACCEPT, NULL);
	/* Tag the agent's flows always, so a lockdown keeps their replies. */
	if (!rc && sk->agent_uid != NFT_NO_UID) {
		rb = nft_rule_begin("output");
		nft_e_meta(&rb, NFT_META_SKUID);
		nft_e_cmp(&rb, NFT_CMP_EQ, &sk->agent_uid, 4);
		nft_a_ctmark(&rb, sk->ct_mark);
		rc = nft_rule_end(b, &rb, "output");
	}
	for (size_t i = 0; i < sk->n_units && !rc; i++) {
		rb = nft_rule_begin("output");
		nft_m_socket_cgroup(&rb, sk->unit_level[i], sk->unit_cgid[i]);
		nft_a_ctmark(&rb, sk->ct_mark);
		rc = nft_rule_end(b, &rb, "output");
	}
	rc = rc ? rc : nft_rule_verdict(b, nft_rule_begin("output"), "output", NFT_JUMP, "gate_out");
	rc = rc ? rc : trip_jump(b, "output", "lock_out");
	rc = rc ? rc : nft_rule_verdict(b, nft_rule_begin("output"), "output", NFT_JUMP, "chk_out");

	rc = rc ? rc : nft_rule_verdict(b, nft_rule_begin("forward"), "forward", NFT_JUMP, "gate_fwd");
	rc = rc ? rc : trip_jump(b, "forward", "lock_fwd");
	rc = rc ? rc : nft_rule_verdict(b, nft_rule_begin("forward"), "forward", NFT_JUMP, "chk_fwd_src");
	rc = rc ? rc : nft_rule_verdict(b, nft_rule_begin("forward"), "forward", NFT_JUMP, "chk_fwd_dst");

	rc = rc ? rc : build_check(b, "chk_in", NFT_SRC, "drop_in", sk->nflog_group, false);
	rc = rc ? rc : build_check(b, "chk_out", NFT_DST, "drop_out", sk->nflog_group, sk->trip);
	rc = rc ? rc : build_check(b, "chk_fwd_src", NFT_SRC, "drop_fwd", sk->nflog_group, false);
	rc = rc ? rc : build_check(b, "chk_fwd_dst", NFT_DST, "drop_fwd", sk->nflog_group, false);

	rc = rc ? rc : build_lock(b, "lock_in", sk, true, false, "lockdown_in");
	rc = rc ? rc : build_lock(b, "lock_out", sk, false, true, "lockdown_out");
	rc = rc ? rc : build_lock(b, "lock_fwd", sk, true, true, "lockdown_fwd");
	return rc;
}

/* chain content: one rule whose comment names what the sets hold. */
static int build_content(struct nft_batch *b, uint64_t hash)
{
	struct nft_rb rb = nft_rule_begin("content");
	char txt[64];

	snprintf(txt, sizeof(txt), "cordon content=%016llx",
		 (unsigned long long)hash);
	if (nft_rule_comment(&rb, txt)) {
		nftnl_rule_free(rb.r);
		return -ENOMEM;
	}
	return nft_rule_verdict(b, rb, "content", NFT_CONTINUE, NULL);
}

static int build_gates(struct nft_batch *b, bool locked)
{
	static const char *const gate[][2] = {
		{ "gate_in", "lock_in" }, { "gate_out", "lock_out" },
		{ "gate_fwd", "lock_fwd" },
	};
	int rc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(gate) && locked && !rc; i++)
		rc = nft_rule_verdict(b, nft_rule_begin(gate[i][0]), gate[i][0],
				  NFT_JUMP, gate[i][1]);
	return rc;
}

static int flush_chain(struct nft_batch *b, const char *chain)
{
	struct nlmsghdr *nlh = nft_batch_open(b, NFT_MSG_DELRULE, 0, chain, 512);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	nft_batch_close(b, nlh);
	return 0;
}

int nft_table_content(struct nft_batch *b, uint64_t hash)
{
	int rc = flush_chain(b, "content");

	return rc ? rc : build_content(b, hash);
}

int nft_table_gates(struct nft_batch *b, bool locked)
{
	int rc = flush_chain(b, "gate_in");

	rc = rc ? rc : flush_chain(b, "gate_out");
	rc = rc ? rc : flush_chain(b, "gate_fwd");
	return rc ? rc : build_gates(b, locked);
}

int nft_table_build(struct nft_batch *b, const struct nft_skel *sk)
{
	int rc = build_table(b);

	rc = rc ? rc : build_sets(b, sk);
	rc = rc ? rc : build_trip_set(b);
	rc = rc ? rc : build_counters(b);
	rc = rc ? rc : build_chains(b);
	rc = rc ? rc : renew_sets(b, sk);
	rc = rc ? rc : build_rules(b, sk);
	rc = rc ? rc : build_gates(b, sk->locked);
	rc = rc ? rc : build_content(b, sk->content);
	return rc;
}

void nft_table_delete(struct nft_batch *b)
{
	struct nlmsghdr *nlh = nft_batch_open(b, NFT_MSG_DELTABLE, 0, NULL, 512);

	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NFT_TABLE);
	nft_batch_close(b, nlh);
}
