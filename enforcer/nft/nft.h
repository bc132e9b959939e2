/* SPDX-License-Identifier: MIT */
#ifndef CORDON_NFT_H
#define CORDON_NFT_H

/*
 * Internal to enforcer/: netlink batches (nft_batch.c), the sets and
 * their delta (nft_set.c), the table skeleton (nft_table.c) and dumps
 * (nft_read.c). Nothing here runs nft; everything goes through libmnl
 * sockets and libnftnl message builders.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "allow.h"

struct mnl_socket;
struct nlmsghdr;
struct nlattr;

#define NFT_TABLE "cordon"
/* Element lists sit in one nested attribute with a 16-bit length. */
#define NFT_MSG_MAX 65536u
#define NFT_PAGE_SIZE (256u * 1024u)
/* Runs after conntrack (-200) so ct mark/state are valid, before mangle
 * (-150), destination NAT (-100) and the usual filter (0) chains. */
#define NFT_PRIO (-190)

/* ---- nft_batch.c: one transaction, built in memory, sent at once ---- */

struct nft_msginfo {
	uint32_t seq;
	uint16_t type;     /* NFT_MSG_* */
	const char *what;  /* static: set or chain name, for messages */
};

struct nft_page {
	char *buf;
	size_t len;
};

struct nft_batch {
	struct nft_page *pages;
	size_t npages, cap_pages;
	struct nft_msginfo *msgs; /* every message that wants an ack */
	size_t nmsgs, cap_msgs;
	uint32_t seq0, seq;
	size_t bytes;
	size_t msg_max;           /* NFT_MSG_MAX; tests lower it */
	size_t page_size;         /* NFT_PAGE_SIZE */
	/* Open element message, if any. */
	struct nlmsghdr *el_nlh;
	struct nlattr *el_nest;
	uint16_t el_type;
	const char *el_set;
	size_t elems;             /* elements written */
	bool oom;                 /* an allocation failed: send refuses */
};

__must_check int nft_batch_init(struct nft_batch *b, uint32_t seq);
void nft_batch_free(struct nft_batch *b);
/* Open a message with room for room bytes; NULL when out of memory. */
struct nlmsghdr *nft_batch_open(struct nft_batch *b, uint16_t type,
				uint16_t flags, const char *what, size_t room);
void nft_batch_close(struct nft_batch *b, struct nlmsghdr *nlh);
/* Elements of one set, split into messages of at most msg_max bytes. */
void nft_batch_elem(struct nft_batch *b, uint16_t type, const char *set,
		    const uint8_t *key, unsigned klen, uint32_t flags);
void nft_batch_elems_end(struct nft_batch *b);
/* Close with the END marker; must come last. */
__must_check int nft_batch_finish(struct nft_batch *b);
/* Messages between BEGIN and END. */
static inline size_t nft_batch_count(const struct nft_batch *b)
{
	return b->nmsgs;
}

/* Socket helpers. */
__must_check int nft_open(struct mnl_socket **nl, char *err, size_t errlen);
void nft_close(struct mnl_socket *nl);
/* Send the batch, read one ack per message, map errors to a line. */
__must_check int nft_batch_send(struct nft_batch *b, struct mnl_socket *nl,
				char *err, size_t errlen);
/* One line for a kernel error on a message (exposed for tests). */
void nft_strerror(int error, const struct nft_msginfo *m, char *err,
		  size_t errlen);
uint32_t nft_seq(void);

/* ---- nft_set.c: cordon's sets and what goes in them ---- */

enum nset_id {
	NS_THREAT4, NS_THREAT6, NS_THREAT4N, NS_THREAT6N,
	NS_TRUST4, NS_TRUST6, NS_TRUST4N, NS_TRUST6N,
	NS_ALLOW4N, NS_ALLOW6N,   /* every allow entry, ports ignored */
	NS_LALLOW4N, NS_LALLOW6N, /* allow entries without a port (lockdown) */
	NS_SAFE4N, NS_SAFE6N,     /* metadata service, DNS resolvers */
	NS__COUNT
};

struct nset_def {
	const char *name;
	uint8_t af;
	bool interval;
};
extern const struct nset_def nset_defs[NS__COUNT];

static inline unsigned nset_klen(enum nset_id id)
{
	return nset_defs[id].af == AF_INET ? 4 : 16;
}

/* Sorted packed records: a key (hosts) or lo.hi pair (interval sets). */
struct nset_vec {
	uint8_t *v;
	size_t n, cap;
	unsigned w;
};

struct nset_all {
	struct nset_vec s[NS__COUNT];
};

void nset_all_init(struct nset_all *a);
void nset_all_free(struct nset_all *a);
__must_check int nset_vec_push(struct nset_vec *v, const uint8_t *rec);
/* Sort, dedupe (hosts) or merge (intervals). Returns 0 or -ENOMEM. */
__must_check int nset_vec_normalize(struct nset_vec *v, bool interval,
				    unsigned klen);
/* Drop hosts that one of the intervals already covers. */
void nset_drop_covered(struct nset_vec *hosts, const struct nset_vec *nets,
		       unsigned klen);
/* Add a prefix to the right set of a family pair (host or interval). */
__must_check int nset_add_prefix(struct nset_all *a, enum nset_id host4,
				 enum nset_id net4, const struct cd_prefix *p);
/* One element of an interval set as the kernel dumps it. */
struct nset_kelem {
	uint8_t key[16];
	uint8_t end; /* NFT_SET_ELEM_INTERVAL_END */
};
/* Build interval records from a kernel dump (sorts e in place). */
__must_check int nset_from_elems(struct nset_vec *out, struct nset_kelem *e,
				 size_t n, unsigned klen);
/*
 * Declared sizes of the host (hash) sets. With a size the kernel picks
 * its fixed-size hash (nft_set_hash.c: nft_hash, nft_hash_fast) instead
 * of the resizable one, whose doubling while a million elements go in
 * was half of a full load; the size is also a hard cap ("set full"), so
 * a set that outgrows it is created again, bigger, in the transaction
 * that needs the room (nft_table_build). The interval sets stay unsized.
 */
static inline bool nset_sized(enum nset_id id)
{
	return !nset_defs[id].interval;
}
/* The smallest size cordon declares. */
#define NSET_SIZE_MIN 3072u
/*
 * The size to declare for n elements when the kernel's set has size cur
 * (0: none or no set): cur while n fits and is not far below it, else
 * 3 * 2^k, the smallest with room for half as many again. 0 when n
 * passes NSET_SIZE_MAX: then the set stays unsized (resizable hash).
 */
#define NSET_SIZE_MAX (3u << 24)
uint32_t nset_size_for(size_t n, uint32_t cur);
/*
 * One merge walk: records of want not in have appended to add, records
 * of have not in want to del (w set). 0 or -ENOMEM.
 */
__must_check int nset_diff(const struct nset_vec *want,
			   const struct nset_vec *have, struct nset_vec *del,
			   struct nset_vec *add);
/* Emit every record of v: deletions when del, additions otherwise. */
void nset_emit(struct nft_batch *b, enum nset_id id, const struct nset_vec *v,
	       bool del, size_t *count);
/* Emit every element of want as additions (full load). */
void nset_load(struct nft_batch *b, enum nset_id id,
	       const struct nset_vec *want, size_t *count);

/* ---- nft_read.c: what the kernel holds ---- */

struct nft_counter {
	const char *name;
	uint64_t packets, bytes;
};

/* 1 when table inet cordon exists, 0 when not, -errno on failure. */
__must_check int nft_read_table(struct mnl_socket *nl, char *err,
				size_t errlen);
/* Elements of one set into out (w = klen or 2*klen, sorted). */
__must_check int nft_read_set(struct mnl_socket *nl, enum nset_id id,
			      struct nset_vec *out, char *err, size_t errlen);
/* The skeleton signature stored in the first rule's comment; 0 if none. */
__must_check int nft_read_sig(struct mnl_socket *nl, uint64_t *sig,
			      char *err, size_t errlen);
/* The sets' content hash from chain content's comment; 0 if none. */
__must_check int nft_read_content(struct mnl_socket *nl, uint64_t *hash,
				  char *err, size_t errlen);
/* Each of cordon's sets: present, and its declared size (0: none). */
struct nft_set_sizes {
	bool present[NS__COUNT];
	uint32_t size[NS__COUNT];
};
__must_check int nft_read_sizes(struct mnl_socket *nl, struct nft_set_sizes *sz,
				char *err, size_t errlen);
/* Rules in a chain (for the gate state); -ENOENT when absent. */
__must_check int nft_read_rule_count(struct mnl_socket *nl, const char *chain,
				     size_t *n, char *err, size_t errlen);
__must_check int nft_read_counter(struct mnl_socket *nl, struct nft_counter *c,
				  char *err, size_t errlen);

/* ---- nft_expr.c: rule building blocks ---- */

struct nftnl_rule;
struct nftnl_expr;

/* A rule being built; bad after an allocation failed (emitting refuses). */
struct nft_rb {
	struct nftnl_rule *r;
	bool bad;
};

enum nft_dir { NFT_SRC, NFT_DST };

void nft_e_meta(struct nft_rb *rb, uint32_t key);
void nft_e_cmp(struct nft_rb *rb, uint32_t op, const void *data, uint32_t len);
void nft_e_payload(struct nft_rb *rb, uint32_t base, uint32_t off, uint32_t len);
void nft_e_counter(struct nft_rb *rb, const char *name);
void nft_e_log(struct nft_rb *rb, uint16_t group);
void nft_e_imm32(struct nft_rb *rb, uint32_t v);
void nft_e_lookup_named(struct nft_rb *rb, const char *name, uint32_t set_id);
void nft_e_dynset_add(struct nft_rb *rb, const char *name, uint32_t set_id);
void nft_m_set(struct nft_rb *rb, enum nset_id id, enum nft_dir d);
/* An IPv4 set matched through NAT64's 64:ff9b::/96. */
void nft_m_set_nat64(struct nft_rb *rb, enum nset_id id, enum nft_dir d);
void nft_m_prefix(struct nft_rb *rb, const struct cd_prefix *p, enum nft_dir d);
/* meta l4proto PROTO, then sport (NFT_SRC) or dport (NFT_DST) == port */
void nft_m_port(struct nft_rb *rb, uint8_t proto, enum nft_dir d, uint16_t port);
void nft_m_ctmark(struct nft_rb *rb, uint32_t mark);
void nft_m_ct_reply(struct nft_rb *rb);
void nft_m_socket_cgroup(struct nft_rb *rb, uint32_t level, uint64_t cgid);
/* ct mark set ct mark | mark */
void nft_a_ctmark(struct nft_rb *rb, uint32_t mark);
struct nft_rb nft_rule_begin(const char *chain);
/* Append the rule to chain in b; frees the rule either way. */
__must_check int nft_rule_end(struct nft_batch *b, struct nft_rb *rb,
			      const char *chain);
__must_check int nft_rule_verdict(struct nft_batch *b, struct nft_rb rb,
				  const char *chain, int verdict,
				  const char *target);
__must_check int nft_rule_comment(struct nft_rb *rb, const char *text);

/* ---- nft_table.c: table, counters, chains, rules ---- */

#define NFT_COUNTERS 6
extern const char *const nft_counter_names[NFT_COUNTERS];

#define NFT_NO_UID UINT32_MAX /* no agent user: nobody is exempt */

/*
 * The in-kernel trip (isolate mode): set `trip` holds one constant element
 * once an outbound packet to a listed address has been seen; every base
 * chain jumps to its lock chain while it does, so the next packet of any
 * flow is already judged by the lockdown, before user space knows.
 */
#define NFT_TRIP_SET "trip"
#define NFT_TRIP_SET_ID (NS__COUNT + 1)
#define NFT_TRIP_KEY 1u

/* Everything rules depend on; its hash is the skeleton signature. */
struct nft_skel {
	bool locked;
	bool trip;          /* isolate mode: outbound to a listed address trips */
	bool trip_reset;    /* release: empty the trip set (not in the sig) */
	uint32_t agent_uid;                /* NFT_NO_UID: none */
	uint32_t ct_mark;
	uint16_t nflog_group;
	const struct allow_entry *allow; /* entries with a port become rules */
	size_t n_allow;
	uint64_t unit_cgid[ALLOW_MAX_UNITS];
	uint32_t unit_level[ALLOW_MAX_UNITS];
	size_t n_units;
	uint64_t content;  /* sets' content hash (applied.h); not in the sig */
	/* Not in the sig either: the kernel reports them (nft_read_sizes). */
	uint32_t set_size[NS__COUNT]; /* host sets' declared size, 0: none */
	bool set_new[NS__COUNT];      /* delete the set and create it again */
};

uint64_t nft_skel_sig(const struct nft_skel *sk);
/*
 * Table, sets, counters, chains; flush every chain and add its rules.
 * A set_new set is deleted once the flush has dropped the rules that
 * use it, and created again at its set_size under the same name: the
 * caller loads all its elements in the same transaction.
 */
__must_check int nft_table_build(struct nft_batch *b, const struct nft_skel *sk);
/* Only the gate chains: lockdown and release when the rest matches. */
__must_check int nft_table_gates(struct nft_batch *b, bool locked);
/* Only the content chain: a new content hash for the sets. */
__must_check int nft_table_content(struct nft_batch *b, uint64_t hash);
void nft_table_delete(struct nft_batch *b);
/* Empty the trip set (release). */
__must_check int nft_table_trip_reset(struct nft_batch *b);
/* Elements in the trip set: 0 (armed or off), 1 (tripped), -errno. */
__must_check int nft_read_trip(struct mnl_socket *nl, char *err, size_t errlen);

#endif
