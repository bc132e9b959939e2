/* SPDX-License-Identifier: MIT */
/*
 * Rule building blocks over libnftnl: one expression per helper, then
 * matches made of them (address against a set, prefix, port, ct mark),
 * then emitting a rule into a batch. Registers: everything loads into
 * NFT_REG_1 and compares there, as nft itself does for simple matches.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>

#include "nft.h"

/* ---- expressions ---- */

static struct nftnl_expr *nft_ex(struct nft_rb *rb, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		rb->bad = true;
	return e;
}

static void nft_add(struct nft_rb *rb, struct nftnl_expr *e)
{
	if (e)
		nftnl_rule_add_expr(rb->r, e);
}

void nft_e_meta(struct nft_rb *rb, uint32_t key)
{
	struct nftnl_expr *e = nft_ex(rb, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nft_add(rb, e);
}

void nft_e_cmp(struct nft_rb *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nft_ex(rb, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nft_add(rb, e);
}

void nft_e_payload(struct nft_rb *rb, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nft_ex(rb, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nft_add(rb, e);
}

static void nft_e_bitwise(struct nft_rb *rb, const void *mask, const void *xor,
		      uint32_t len)
{
	struct nftnl_expr *e = nft_ex(rb, "bitwise");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	nft_add(rb, e);
}

static void nft_e_verdict(struct nft_rb *rb, int verdict, const char *chain)
{
	struct nftnl_expr *e = nft_ex(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	nft_add(rb, e);
}

void nft_e_counter(struct nft_rb *rb, const char *name)
{
	struct nftnl_expr *e = nft_ex(rb, "objref");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
	nft_add(rb, e);
}

void nft_e_log(struct nft_rb *rb, uint16_t group)
{
	struct nftnl_expr *e = nft_ex(rb, "log");

	if (!e)
		return;
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, group);
	/*
	 * Hand every dropped packet to NFLOG at once: without a threshold
	 * the kernel batches up to 100 packets or one second, and the sensor
	 * (so the lockdown) would learn of a blocked C2 attempt that late.
	 */
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_QTHRESHOLD, 1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, "cordon drop ");
	nft_add(rb, e);
}

static void nft_e_ct_load(struct nft_rb *rb, uint32_t key)
{
	struct nftnl_expr *e = nft_ex(rb, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nft_add(rb, e);
}

static void nft_e_ct_store(struct nft_rb *rb, uint32_t key)
{
	struct nftnl_expr *e = nft_ex(rb, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
	nft_add(rb, e);
}

static void nft_e_lookup(struct nft_rb *rb, enum nset_id id)
{
	struct nftnl_expr *e = nft_ex(rb, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, nset_defs[id].name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)id + 1);
	nft_add(rb, e);
}

/* reg1 = v: the constant key of the trip set */
void nft_e_imm32(struct nft_rb *rb, uint32_t v)
{
	struct nftnl_expr *e = nft_ex(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &v, sizeof(v));
	nft_add(rb, e);
}

/* reg1 in @name (a set that is not one of the nset_id sets) */
void nft_e_lookup_named(struct nft_rb *rb, const char *name, uint32_t set_id)
{
	struct nftnl_expr *e = nft_ex(rb, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	nft_add(rb, e);
}

/* add reg1 to @name from the packet path (the set must be dynamic) */
void nft_e_dynset_add(struct nft_rb *rb, const char *name, uint32_t set_id)
{
	struct nftnl_expr *e = nft_ex(rb, "dynset");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, set_id);
	nft_add(rb, e);
}

/* ---- matches ---- */

static void nft_m_nfproto(struct nft_rb *rb, uint8_t af)
{
	uint8_t proto = af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	nft_e_meta(rb, NFT_META_NFPROTO);
	nft_e_cmp(rb, NFT_CMP_EQ, &proto, 1);
}

static void nft_m_addr(struct nft_rb *rb, uint8_t af, enum nft_dir d)
{
	nft_m_nfproto(rb, af);
	if (af == AF_INET)
		nft_e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, d == NFT_SRC ? 12 : 16, 4);
	else
		nft_e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, d == NFT_SRC ? 8 : 24, 16);
}

void nft_m_set(struct nft_rb *rb, enum nset_id id, enum nft_dir d)
{
	nft_m_addr(rb, nset_defs[id].af, d);
	nft_e_lookup(rb, id);
}

/*
 * ip6 saddr|daddr in 64:ff9b::/96 (RFC 6052) and its last 32 bits in the
 * IPv4 set id: a listed IPv4 address reached through a NAT64 gateway.
 */
void nft_m_set_nat64(struct nft_rb *rb, enum nset_id id, enum nft_dir d)
{
	static const uint8_t wkp[12] = { 0x00, 0x64, 0xff, 0x9b };
	uint32_t off = d == NFT_SRC ? 8 : 24;

	nft_m_nfproto(rb, AF_INET6);
	nft_e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, off, sizeof(wkp));
	nft_e_cmp(rb, NFT_CMP_EQ, wkp, sizeof(wkp));
	nft_e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, off + 12, 4);
	nft_e_lookup(rb, id);
}

void nft_m_prefix(struct nft_rb *rb, const struct cd_prefix *p, enum nft_dir d)
{
	unsigned klen = p->a.af == AF_INET ? 4 : 16;
	uint8_t mask[16] = { 0 }, zero[16] = { 0 };

	nft_m_addr(rb, p->a.af, d);
	if (p->len < klen * 8) {
		for (unsigned i = 0; i < p->len; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		nft_e_bitwise(rb, mask, zero, klen);
	}
	nft_e_cmp(rb, NFT_CMP_EQ, p->a.u.b, klen);
}

void nft_m_port(struct nft_rb *rb, uint8_t proto, enum nft_dir d, uint16_t port)
{
	uint16_t be = htons(port);

	nft_e_meta(rb, NFT_META_L4PROTO);
	nft_e_cmp(rb, NFT_CMP_EQ, &proto, 1);
	nft_e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, d == NFT_SRC ? 0 : 2, 2);
	nft_e_cmp(rb, NFT_CMP_EQ, &be, 2);
}

void nft_m_ctmark(struct nft_rb *rb, uint32_t mark)
{
	uint32_t zero = 0;

	nft_e_ct_load(rb, NFT_CT_MARK);
	nft_e_bitwise(rb, &mark, &zero, 4);
	nft_e_cmp(rb, NFT_CMP_EQ, &mark, 4);
}

/* socket cgroupv2 level LEVEL == cgroup id */
void nft_m_socket_cgroup(struct nft_rb *rb, uint32_t level, uint64_t cgid)
{
	struct nftnl_expr *e = nft_ex(rb, "socket");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_LEVEL, level);
	nft_add(rb, e);
	nft_e_cmp(rb, NFT_CMP_EQ, &cgid, 8);
}

/* ct direction reply */
void nft_m_ct_reply(struct nft_rb *rb)
{
	uint8_t reply = 1; /* IP_CT_DIR_REPLY */

	nft_e_ct_load(rb, NFT_CT_DIRECTION);
	nft_e_cmp(rb, NFT_CMP_EQ, &reply, 1);
}

/* ct mark set ct mark | mark */
void nft_a_ctmark(struct nft_rb *rb, uint32_t mark)
{
	uint32_t keep = ~mark;

	nft_e_ct_load(rb, NFT_CT_MARK);
	nft_e_bitwise(rb, &keep, &mark, 4);
	nft_e_ct_store(rb, NFT_CT_MARK);
}

/* ---- emitting ---- */

struct nft_rb nft_rule_begin(const char *chain)
{
	struct nft_rb rb = { .r = nftnl_rule_alloc() };

	if (!rb.r) {
		rb.bad = true;
		return rb;
	}
	nftnl_rule_set_str(rb.r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(rb.r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(rb.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return rb;
}

int nft_rule_end(struct nft_batch *b, struct nft_rb *rb, const char *chain)
{
	struct nlmsghdr *nlh;
	int rc = 0;

	if (rb->bad) {
		rc = -ENOMEM;
		goto out;
	}
	nlh = nft_batch_open(b, NFT_MSG_NEWRULE, NLM_F_APPEND | NLM_F_CREATE,
			     chain, 4096);
	if (!nlh) {
		rc = -ENOMEM;
		goto out;
	}
	nftnl_rule_nlmsg_build_payload(nlh, rb->r);
	nft_batch_close(b, nlh);
out:
	nftnl_rule_free(rb->r);
	return rc;
}

int nft_rule_verdict(struct nft_batch *b, struct nft_rb rb, const char *chain,
			int verdict, const char *target)
{
	nft_e_verdict(&rb, verdict, target);
	return nft_rule_end(b, &rb, chain);
}

int nft_rule_comment(struct nft_rb *rb, const char *text)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(128);

	if (!u || !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, text)) {
		nftnl_udata_buf_free(u);
		rb->bad = true;
		return -ENOMEM;
	}
	nftnl_rule_set_data(rb->r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
			    nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	return 0;
}
