/* SPDX-License-Identifier: MIT */
/*
 * What the kernel holds in table inet cordon: set elements (for the
 * delta and for status), the skeleton signature, chain sizes and the
 * drop counters. Dumps are parsed by hand with libmnl: a million
 * elements must not become a million allocations.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>

#include "nft.h"

#define DUMP_BUF (1u << 16)

typedef int (*put_fn)(struct nlmsghdr *nlh, const void *arg);

/*
 * Send one request and run cb over every reply. A missing table, set or
 * chain comes back as -ENOENT without a message, so callers can say
 * "absent" instead of failing.
 */
static int nl_query(struct mnl_socket *nl, uint16_t type, uint16_t flags,
		    put_fn put, const void *arg, mnl_cb_t cb, void *data,
		    char *err, size_t errlen)
{
	unsigned portid = mnl_socket_get_portid(nl);
	uint32_t seq = nft_seq() ^ (uint32_t)rand();
	struct nlmsghdr *nlh;
	char *buf = malloc(DUMP_BUF);
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET,
				    flags | NLM_F_ACK, seq);
	put(nlh, arg);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto fail;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, DUMP_BUF);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto fail;
		}
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (rc < 0) {
			rc = -errno;
			if (rc == 0)
				rc = -EPROTO;
			goto fail;
		}
		if (rc == MNL_CB_STOP)
			break;
	}
	rc = 0;
	goto out;
fail:
	if (rc != -ENOENT) {
		util_err(err, errlen, "nftables: reading %s: %s%s",
			 type == NFT_MSG_GETSETELEM ? "set" :
			 type == NFT_MSG_GETRULE ? "rules" :
			 type == NFT_MSG_GETOBJ ? "counter" :
			 type == NFT_MSG_GETSET ? "sets" : "table",
			 strerror(-rc),
			 rc == -EPERM ? " (needs CAP_NET_ADMIN: run as root)" : "");
	}
out:
	free(buf);
	return rc;
}

static int put_table(struct nlmsghdr *nlh, const void *arg)
{
	(void)arg;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NFT_TABLE);
	return 0;
}

static int cb_none(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

int nft_read_table(struct mnl_socket *nl, char *err, size_t errlen)
{
	int rc = nl_query(nl, NFT_MSG_GETTABLE, 0, put_table, NULL, cb_none,
			  NULL, err, errlen);

	if (rc == -ENOENT)
		return 0;
	return rc ? rc : 1;
}

/* ---- set elements ---- */

struct elem_ctx {
	enum nset_id id;
	unsigned klen;
	struct nset_vec *hosts;  /* hash sets: keys */
	struct nset_vec kel;     /* interval sets: struct nset_kelem records */
	int rc;
};

static void parse_elem(struct elem_ctx *c, struct nlattr *le)
{
	struct nlattr *a;
	const struct nlattr *key = NULL;
	uint32_t flags = 0;

	mnl_attr_for_each_nested(a, le) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_KEY: {
			struct nlattr *d;

			mnl_attr_for_each_nested(d, a)
				if (mnl_attr_get_type(d) == NFTA_DATA_VALUE)
					key = d;
			break;
		}
		case NFTA_SET_ELEM_FLAGS:
			if (mnl_attr_get_payload_len(a) == 4)
				flags = ntohl(mnl_attr_get_u32(a));
			break;
		}
	}
	if (!key || mnl_attr_get_payload_len(key) != c->klen)
		return; /* not an element cordon could have written */
	if (nset_defs[c->id].interval) {
		struct nset_kelem k = { .end = !!(flags & NFT_SET_ELEM_INTERVAL_END) };

		memcpy(k.key, mnl_attr_get_payload(key), c->klen);
		if (nset_vec_push(&c->kel, (const uint8_t *)&k))
			c->rc = -ENOMEM;
	} else if (nset_vec_push(c->hosts, mnl_attr_get_payload(key))) {
		c->rc = -ENOMEM;
	}
}

/* The elements of one message: counted, and parsed into c unless it is NULL. */
static size_t each_elem(const struct nlmsghdr *nlh, struct elem_ctx *c)
{
	struct nlattr *a;
	size_t n = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		struct nlattr *le;

		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(le, a) {
			if (mnl_attr_get_type(le) != NFTA_LIST_ELEM)
				continue;
			if (c)
				parse_elem(c, le);
			n++;
		}
	}
	return n;
}

static int cb_elems(const struct nlmsghdr *nlh, void *data)
{
	struct elem_ctx *c = data;

	each_elem(nlh, c);
	return c->rc ? MNL_CB_ERROR : MNL_CB_OK;
}

static int put_set(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, arg);
	return 0;
}

int nft_read_set(struct mnl_socket *nl, enum nset_id id, struct nset_vec *out,
		 char *err, size_t errlen)
{
	struct elem_ctx c = { .id = id, .klen = nset_klen(id), .hosts = out };
	int rc;

	out->n = 0;
	c.kel.w = sizeof(struct nset_kelem);
	rc = nl_query(nl, NFT_MSG_GETSETELEM, NLM_F_DUMP, put_set,
		      nset_defs[id].name, cb_elems, &c, err, errlen);
	if (c.rc)
		rc = c.rc;
	if (rc == -ENOENT)
		rc = 0; /* no such set yet: empty */
	if (!rc && nset_defs[id].interval)
		rc = nset_from_elems(out, (struct nset_kelem *)c.kel.v,
				     c.kel.n, c.klen);
	else if (!rc)
		rc = nset_vec_normalize(out, false, c.klen);
	free(c.kel.v);
	return rc;
}

/* ---- sets: present, declared size ---- */

static int cb_sets(const struct nlmsghdr *nlh, void *data)
{
	struct nft_set_sizes *sz = data;
	const char *name = NULL;
	uint32_t size = 0;
	struct nlattr *a, *d;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			break;
		case NFTA_SET_DESC:
			mnl_attr_for_each_nested(d, a)
				if (mnl_attr_get_type(d) == NFTA_SET_DESC_SIZE &&
				    mnl_attr_get_payload_len(d) == 4)
					size = ntohl(mnl_attr_get_u32(d));
			break;
		}
	}
	for (int i = 0; name && i < NS__COUNT; i++) {
		if (strcmp(name, nset_defs[i].name))
			continue;
		sz->present[i] = true;
		sz->size[i] = size;
	}
	return MNL_CB_OK;
}

static int put_set_table(struct nlmsghdr *nlh, const void *arg)
{
	(void)arg;
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, NFT_TABLE);
	return 0;
}

int nft_read_sizes(struct mnl_socket *nl, struct nft_set_sizes *sz, char *err,
		   size_t errlen)
{
	int rc;

	memset(sz, 0, sizeof(*sz));
	rc = nl_query(nl, NFT_MSG_GETSET, NLM_F_DUMP, put_set_table, NULL,
		      cb_sets, sz, err, errlen);
	return rc == -ENOENT ? 0 : rc;
}

/* ---- rules: signature and counts ---- */

struct rule_ctx {
	size_t n;
	const char *key; /* "cordon sig=" or "cordon content=" */
	uint64_t val;
};

/* The comment is an nftnl udata TLV: type 0 (comment), length, text. */
static void parse_comment(const uint8_t *u, size_t len, struct rule_ctx *c)
{
	size_t klen = c->key ? strlen(c->key) : 0;

	while (klen && len >= 2 && (size_t)u[1] + 2 <= len) {
		if (u[0] == 0 && u[1] > 0) {
			char txt[64] = "", *end;
			unsigned long long v;

			memcpy(txt, u + 2, u[1] < sizeof(txt) ? u[1] : sizeof(txt) - 1);
			txt[sizeof(txt) - 1] = '\0';
			if (!strncmp(txt, c->key, klen)) {
				v = strtoull(txt + klen, &end, 16);
				if (end != txt + klen && !*end)
					c->val = v;
			}
		}
		len -= (size_t)u[1] + 2;
		u += u[1] + 2;
	}
}

static int cb_rules(const struct nlmsghdr *nlh, void *data)
{
	struct rule_ctx *c = data;
	struct nlattr *a;

	if (c->n++ > 0)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_RULE_USERDATA)
			parse_comment(mnl_attr_get_payload(a),
				      mnl_attr_get_payload_len(a), c);
	return MNL_CB_OK;
}

static int put_chain(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, arg);
	return 0;
}

static int read_rules(struct mnl_socket *nl, const char *chain,
		      struct rule_ctx *c, char *err, size_t errlen)
{
	return nl_query(nl, NFT_MSG_GETRULE, NLM_F_DUMP, put_chain, chain,
			cb_rules, c, err, errlen);
}

int nft_read_sig(struct mnl_socket *nl, uint64_t *sig, char *err,
		 size_t errlen)
{
	struct rule_ctx c = { .key = "cordon sig=" };
	int rc = read_rules(nl, "input", &c, err, errlen);

	*sig = c.val;
	return rc == -ENOENT ? 0 : rc;
}

int nft_read_content(struct mnl_socket *nl, uint64_t *hash, char *err,
		     size_t errlen)
{
	struct rule_ctx c = { .key = "cordon content=" };
	int rc = read_rules(nl, "content", &c, err, errlen);

	*hash = c.val;
	return rc == -ENOENT ? 0 : rc;
}

int nft_read_rule_count(struct mnl_socket *nl, const char *chain, size_t *n,
			char *err, size_t errlen)
{
	struct rule_ctx c = { 0 };
	int rc = read_rules(nl, chain, &c, err, errlen);

	*n = c.n;
	return rc;
}

/* ---- counters ---- */

static int put_obj(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, arg);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	return 0;
}

static int cb_obj(const struct nlmsghdr *nlh, void *data)
{
	struct nft_counter *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!o)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0) {
		c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

int nft_read_counter(struct mnl_socket *nl, struct nft_counter *c, char *err,
		     size_t errlen)
{
	c->packets = c->bytes = 0;
	return nl_query(nl, NFT_MSG_GETOBJ, 0, put_obj, c->name, cb_obj, c,
			err, errlen);
}

/* ---- the trip set ---- */

static int cb_count_elems(const struct nlmsghdr *nlh, void *data)
{
	size_t *n = data;

	*n += each_elem(nlh, NULL);
	return MNL_CB_OK;
}

int nft_read_trip(struct mnl_socket *nl, char *err, size_t errlen)
{
	size_t n = 0;
	int rc = nl_query(nl, NFT_MSG_GETSETELEM, NLM_F_DUMP, put_set,
			  NFT_TRIP_SET, cb_count_elems, &n, err, errlen);

	if (rc == -ENOENT)
		return 0; /* no table or no trip set: not tripped */
	return rc ? rc : n > 0;
}
