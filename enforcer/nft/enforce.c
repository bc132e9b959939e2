/* SPDX-License-Identifier: MIT */
/*
 * enforce_lists(): threat and trusted lists in, one nftables transaction
 * out. The effective options, the sets cordon wants, and the delta
 * against what the kernel holds.
 */
#include <errno.h>
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>

#include "cli.h"
#include "applied.h"
#include "enforce_impl.h"
#include "list.h"
#include "log.h"

void enforce_opts_default(struct enforce_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->state_dir = CLI_DEFAULT_STATE_DIR;
	o->nflog_group = ENFORCE_DEFAULT_NFLOG_GROUP;
	o->floor_v4 = 8;
	o->floor_v6 = 32;
	util_strlcpy(o->agent_user, CONFIG_DEFAULT_AWS_USER,
		     sizeof(o->agent_user));
	o->resolv_conf = true;
	o->resolv_path = "/etc/resolv.conf";
	o->ct_mark = ENFORCE_DEFAULT_CT_MARK;
	o->cgroup_root = "/sys/fs/cgroup";
}

/*
 * The agent's user (its AWS process's). A user named explicitly must
 * exist. The default user "cordon-aws" may be missing (a host set up without it): then no
 * process is exempt in lockdown, which is the safe side — falling back
 * to the caller's uid would exempt every root process, an attacker's
 * included.
 */
static int resolve_uid(const struct enforce_opts *o, uint32_t *uid, char *err,
		       size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	uint64_t v;

	*uid = ENF_NO_UID;
	if (!o->agent_user[0])
		return 0;
	if (isdigit((unsigned char)o->agent_user[0])) {
		if (util_parse_u64(o->agent_user, 0, UINT32_MAX - 1, &v))
			return util_err(err, errlen, "agent user '%s': bad uid",
					o->agent_user);
		*uid = (uint32_t)v;
		return 0;
	}
	if (getpwnam_r(o->agent_user, &pw, buf, sizeof(buf), &res) == 0 && res) {
		*uid = res->pw_uid;
		return 0;
	}
	if (!strcmp(o->agent_user, CONFIG_DEFAULT_AWS_USER)) {
		log_warnx("agent user '%s' does not exist: in lockdown no local "
			  "process keeps network access (use --agent-user)",
			  o->agent_user);
		return 0;
	}
	return util_err(err, errlen, "agent user '%s': no such user",
			o->agent_user);
}

/* A unit's cgroup id is its directory's inode number on cgroup2. */
static int resolve_unit(const struct enforce_opts *o, const char *unit,
			uint64_t *id, uint32_t *level, char *err, size_t errlen)
{
	char path[4096];
	struct statfs sfs;
	struct stat st;
	const char *rel = strchr(unit, '/') ? unit : NULL;
	int n;

	const char *root = o->cgroup_root ? o->cgroup_root : "/sys/fs/cgroup";
	char hybrid[4096];

	if (strstr(unit, "..") || unit[0] == '/')
		return util_err(err, errlen, "unit '%s': bad name", unit);
	/* systemd's hybrid layout mounts cgroup2 at ROOT/unified. */
	if (statfs(root, &sfs) == 0 && sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(hybrid, sizeof(hybrid), "%s/unified", root);
		if (statfs(hybrid, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			root = hybrid;
	}
	if (statfs(root, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return util_err(err, errlen, "unit '%s': %s is not a cgroup2 "
				"mount", unit, root);
	n = rel ? snprintf(path, sizeof(path), "%s/%s", root, unit) :
		  snprintf(path, sizeof(path), "%s/system.slice/%s", root, unit);
	if (n < 0 || (size_t)n >= sizeof(path))
		return util_err(err, errlen, "unit '%s': name too long", unit);
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return util_err(err, errlen, "unit '%s': no cgroup at %s (is the "
				"unit running?)", unit, path);
	*id = st.st_ino;
	*level = rel ? 1 : 2;
	for (const char *p = rel; p && (p = strchr(p, '/')); p++)
		(*level)++;
	return 0;
}

int enforce_prepare(const struct enforce_opts *o, bool locked,
		const struct enforce_state *st, struct enforce_opts *eff,
		struct nft_skel *sk, char *err, size_t errlen)
{
	int rc;

	*eff = *o;
	if (locked && st) {
		for (size_t i = 0; i < st->n_allow; i++) {
			bool dup = false;

			for (size_t j = 0; j < eff->n_allow; j++)
				dup |= !memcmp(&eff->allow[j], &st->allow[i],
					       sizeof(st->allow[i]));
			if (!dup && eff->n_allow < ALLOW_MAX)
				eff->allow[eff->n_allow++] = st->allow[i];
		}
		for (size_t i = 0; i < st->n_units; i++) {
			bool dup = false;

			for (size_t j = 0; j < eff->n_units; j++)
				dup |= !strcmp(eff->units[j], st->units[i]);
			if (!dup && eff->n_units < ALLOW_MAX_UNITS)
				util_strlcpy(eff->units[eff->n_units++],
					     st->units[i], ALLOW_UNIT_LEN);
		}
	}
	memset(sk, 0, sizeof(*sk));
	sk->locked = locked;
	sk->trip = eff->trip;
	sk->ct_mark = eff->ct_mark ? eff->ct_mark : ENFORCE_DEFAULT_CT_MARK;
	sk->nflog_group = eff->nflog_group;
	sk->allow = eff->allow;
	sk->n_allow = eff->n_allow;
	rc = resolve_uid(eff, &sk->agent_uid, err, errlen);
	for (size_t i = 0; i < eff->n_units && !rc; i++)
		rc = resolve_unit(eff, eff->units[i], &sk->unit_cgid[i],
				  &sk->unit_level[i], err, errlen);
	sk->n_units = eff->n_units;
	return rc;
}

static int add_range(struct nset_all *w, enum nset_id id4,
		     const struct cd_prefix *p)
{
	enum nset_id id = p->a.af == AF_INET6 ? id4 + 1 : id4;
	unsigned klen = nset_klen(id);
	struct cd_addr last;
	uint8_t rec[32];

	prefix_last(p, &last);
	memcpy(rec, p->a.u.b, klen);
	memcpy(rec + klen, last.u.b, klen);
	return nset_vec_push(&w->s[id], rec);
}

static int add_host(struct nset_all *w, const struct cd_addr *a)
{
	struct cd_prefix p = { .a = *a, .len = (uint8_t)addr_bits(a) };

	return add_range(w, NS_SAFE4N, &p);
}

/* The resolvers in resolv.conf: the VPC's DNS is what an EC2 host uses. */
static int add_resolvers(struct nset_all *w, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		struct cd_addr a;

		if (strncmp(p, "nameserver", 10) || !isspace((unsigned char)p[10]))
			continue;
		p += 10;
		while (isspace((unsigned char)*p))
			p++;
		for (end = p; *end && !isspace((unsigned char)*end) && *end != '%';)
			end++;
		if (addr_parse_n(p, (size_t)(end - p), &a))
			rc = add_host(w, &a);
	}
	fclose(f);
	return rc;
}

int enforce_want_base(struct nset_all *w, const struct enforce_opts *eff,
		  char *err, size_t errlen)
{
	/* The metadata service and Amazon's link-local DNS resolver. */
	static const char *const always[] = {
		"169.254.169.254", "fd00:ec2::254", "169.254.169.253",
		"fd00:ec2::253",
	};
	struct cd_addr a;
	int rc = 0;

	for (size_t i = 0; i < eff->n_allow && !rc; i++) {
		rc = add_range(w, NS_ALLOW4N, &eff->allow[i].pfx);
		if (!rc && !eff->allow[i].port)
			rc = add_range(w, NS_LALLOW4N, &eff->allow[i].pfx);
	}
	for (size_t i = 0; i < ARRAY_SIZE(always) && !rc; i++)
		if (addr_parse(always[i], &a))
			rc = add_host(w, &a);
	for (size_t i = 0; i < eff->n_safe && !rc; i++)
		rc = add_host(w, &eff->safe[i]);
	if (!rc && eff->resolv_conf)
		rc = add_resolvers(w, eff->resolv_path ? eff->resolv_path :
				   "/etc/resolv.conf");
	if (rc)
		util_err(err, errlen, "out of memory");
	return rc;
}

int enforce_want_list(struct nset_all *w, const struct list *l,
		  const struct enforce_opts *o, char *err, size_t errlen)
{
	bool threat = l->kind == LIST_THREAT;
	enum nset_id host = threat ? NS_THREAT4 : NS_TRUST4;
	enum nset_id net = threat ? NS_THREAT4N : NS_TRUST4N;

	for (size_t i = 0; i < l->n; i++) {
		const struct cd_prefix *p = &l->ent[i].pfx;
		unsigned floor = p->a.af == AF_INET ? o->floor_v4 : o->floor_v6;
		char buf[PREFIX_STRLEN];

		if (p->a.af != AF_INET && p->a.af != AF_INET6)
			return util_err(err, errlen, "%s:%u: bad address family",
					l->location, l->ent[i].line);
		/* The parser has a floor too; this one guards every caller. */
		if (threat && p->len < floor)
			return util_err(err, errlen, "%s:%u: %s is broader than "
					"the floor /%u; refusing to block it",
					l->location, l->ent[i].line,
					prefix_ntop(p, buf, sizeof(buf)), floor);
		if (nset_add_prefix(w, host, net, p)) {
			util_err(err, errlen, "%s: out of memory", l->location);
			return -ENOMEM;
		}
	}
	return 0;
}

int enforce_want_normalize(struct nset_all *w)
{
	static const enum nset_id pairs[][2] = {
		{ NS_THREAT4, NS_THREAT4N }, { NS_THREAT6, NS_THREAT6N },
		{ NS_TRUST4, NS_TRUST4N }, { NS_TRUST6, NS_TRUST6N },
	};

	for (int i = 0; i < NS__COUNT; i++)
		if (nset_vec_normalize(&w->s[i], nset_defs[i].interval,
				       nset_klen(i)))
			return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
		nset_drop_covered(&w->s[pairs[i][0]], &w->s[pairs[i][1]],
				  nset_klen(pairs[i][0]));
	return 0;
}

static void flush_set(struct nft_batch *b, enum nset_id id)
{
	struct nlmsghdr *nlh = nft_batch_open(b, NFT_MSG_DELSETELEM, 0,
					      nset_defs[id].name, 512);

	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, nset_defs[id].name);
	nft_batch_close(b, nlh);
}

static bool vec_equal(const struct nset_vec *a, const struct nset_vec *b)
{
	return a->n == b->n && a->w == b->w &&
	       (a->n == 0 || !memcmp(a->v, b->v, a->n * a->w));
}

/*
 * Declared sizes of the host sets (nft.h: nset_size_for). A synced set
 * whose size must change, or that has gone missing, is fresh: created in
 * this transaction and loaded whole. Returns true when one is.
 */
static bool plan_sizes(struct nft_skel *sk, const struct nft_set_sizes *ksz,
		       bool exists, const struct nset_all *want,
		       const bool sync[NS__COUNT], bool fresh[NS__COUNT])
{
	bool any = false;

	for (int i = 0; i < NS__COUNT; i++) {
		size_t n = sync[i] ? want->s[i].n : 0;

		fresh[i] = exists && !ksz->present[i];
		sk->set_size[i] = 0;
		sk->set_new[i] = false;
		if (!nset_sized(i)) {
			any |= fresh[i];
			continue;
		}
		if (exists && ksz->present[i] && !sync[i]) {
			sk->set_size[i] = ksz->size[i]; /* not ours to change now */
			continue;
		}
		sk->set_size[i] = nset_size_for(n, exists ? ksz->size[i] : 0);
		if (exists && ksz->present[i] && sk->set_size[i] != ksz->size[i])
			fresh[i] = sk->set_new[i] = true;
		any |= fresh[i];
	}
	return any;
}

/*
 * Set i's difference when have holds only the shards whose hash differs
 * (applied_load_shards): those shards of want against have's.
 */
static int diff_shards(const struct nset_all *want, const struct nset_all *have,
		       const uint64_t *want_tab, const uint64_t *have_tab, int i,
		       struct nset_all *del, struct nset_all *add)
{
	for (unsigned s = 0; s < APPLIED_SHARDS; s++) {
		size_t idx = (size_t)i * APPLIED_SHARDS + s, wl, wh, hl, hh;
		struct nset_vec wv = want->s[i], hv = have->s[i];
		int rc;

		if (want_tab[idx] == have_tab[idx])
			continue;
		applied_shard_span(&want->s[i], i, s, &wl, &wh);
		applied_shard_span(&have->s[i], i, s, &hl, &hh);
		wv.v += wl * wv.w;
		wv.n = wh - wl;
		hv.v += hl * hv.w;
		hv.n = hh - hl;
		rc = nset_diff(&wv, &hv, &del->s[i], &add->s[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int apply_once(const char *state_dir, const struct nset_all *want,
		      const bool sync[NS__COUNT], const struct nft_skel *skin,
		      bool replace, bool use_cache, bool *used_cache,
		      struct mnl_socket **spent, struct enforce_report *rep,
		      char *err, size_t errlen)
{
	uint64_t sig = 0, content_k = 0, content;
	struct mnl_socket *nl = NULL;
	struct nset_all have, final, full, del, add;
	struct applied_log *lg = calloc(1, sizeof(*lg));
	uint64_t *tab = malloc(APPLIED_TAB * sizeof(*tab)); /* after the commit */
	struct nft_skel sk = *skin;
	struct nft_set_sizes ksz = { 0 };
	bool cached = false, partial = false, save = true, renew;
	bool fresh[NS__COUNT];
	struct nft_batch b;
	int rc, exists;

	nset_all_init(&have);
	nset_all_init(&full);
	nset_all_init(&del);
	nset_all_init(&add);
	memset(&b, 0, sizeof(b));
	rep->added = rep->removed = rep->messages = rep->bytes = 0;
	rep->sent = false;
	if (!lg || !tab)
		goto oom;
	rc = nft_open(&nl, err, errlen);
	if (rc)
		goto out;
	exists = rc = nft_read_table(nl, err, errlen);
	if (rc < 0)
		goto out;
	rc = 0;
	if (exists) {
		rc = nft_read_sig(nl, &sig, err, errlen);
		rc = rc ? rc : nft_read_content(nl, &content_k, err, errlen);
		rc = rc ? rc : nft_read_sizes(nl, &ksz, err, errlen);
		if (rc)
			goto out;
	}
	/* A set gone missing: the kernel's content hash no longer holds. */
	for (int i = 0; i < NS__COUNT && exists; i++)
		if (!ksz.present[i])
			content_k = 0;
	renew = plan_sizes(&sk, &ksz, exists, want, sync, fresh);
	for (int i = 0; i < NS__COUNT; i++)
		partial |= !sync[i];
	if (exists && partial) {
		/*
		 * Lockdown and release: read only the small sets they sync;
		 * the threat sets' content matters only when the hash must
		 * change, and then the file of the last commit tells it.
		 */
		bool same = true;

		for (int i = 0; i < NS__COUNT && !rc; i++) {
			if (!sync[i])
				continue;
			rc = nft_read_set(nl, i, &have.s[i], err, errlen);
			same = same && !rc && vec_equal(&have.s[i], &want->s[i]);
		}
		if (rc)
			goto out;
		content = content_k;
		save = false;
		if (!same) {
			content = 0;
			if (use_cache &&
			    applied_load_log(state_dir, content_k, &full, lg) == 0) {
				for (int i = 0; i < NS__COUNT; i++) {
					if (!sync[i])
						continue;
					free(full.s[i].v);
					full.s[i] = want->s[i]; /* borrowed */
				}
				content = applied_hash_tab(&full, tab);
				final = full;
				save = true;
			}
		}
	} else {
		/*
		 * Lists: a lockdown in the kernel stays even when the state
		 * file does not record it (it could not be written: a full
		 * disk); only a release lifts it.
		 */
		if (exists && !sk.locked) {
			size_t gates = 0;

			rc = nft_read_rule_count(nl, "gate_in", &gates, err, errlen);
			if (rc)
				goto out;
			if (gates) {
				sk.locked = true;
				log_warnx("the kernel holds a lockdown that %s/%s does not "
					  "record; kept ('cordon release' lifts it)",
					  state_dir, STATE_FILE);
			}
		}
		/*
		 * The lists' content hash, shard by shard; what we committed
		 * last time, if the kernel still says so: only the shards that
		 * differ from the lists' are read from the file.
		 */
		content = applied_hash_tab(want, tab);
		if (exists)
			cached = use_cache &&
				 applied_load_shards(state_dir, content_k, tab, &have,
						     lg) == 0;
		*used_cache = cached;
		/* A fresh set is loaded whole: what the old one held is moot
		 * (an upgrade from unsized sets costs no dump of them). */
		for (int i = 0; i < NS__COUNT && exists && !cached && !replace; i++) {
			if (fresh[i])
				continue;
			rc = nft_read_set(nl, i, &have.s[i], err, errlen);
			if (rc)
				goto out;
		}
		final = *want; /* every set synced: the lists are the result */
	}
	sk.content = content;

	rc = nft_batch_init(&b, nft_seq());
	if (rc)
		goto oom;
	if (!exists || sig != nft_skel_sig(&sk) || renew) {
		if (nft_table_build(&b, &sk))
			goto oom;
	} else {
		size_t gates = 0;

		rc = nft_read_rule_count(nl, "gate_in", &gates, err, errlen);
		if (rc)
			goto out;
		if ((gates > 0) != sk.locked && nft_table_gates(&b, sk.locked))
			goto oom;
		if (content != content_k && nft_table_content(&b, content))
			goto oom;
	}
	/* Release: the kernel's own trip goes with the lockdown. */
	if (exists && sk.trip_reset && nft_table_trip_reset(&b))
		goto oom;
	/* Each synced set's difference, once: for the batch and the record. */
	for (int i = 0; i < NS__COUNT && exists; i++)
		if (sync[i] && (cached ? diff_shards(want, &have, tab, lg->tab, i, &del, &add) :
			       nset_diff(&want->s[i], &have.s[i], &del.s[i], &add.s[i])))
			goto oom;
	/* Deletions first: an interval that changes is deleted, then added. */
	for (int i = 0; i < NS__COUNT && exists; i++) {
		if (!sync[i] || fresh[i])
			continue; /* a fresh set starts empty */
		if (replace)
			flush_set(&b, i);
		else
			nset_emit(&b, i, &del.s[i], true, &rep->removed);
	}
	for (int i = 0; i < NS__COUNT; i++) {
		if (!sync[i])
			continue;
		if (!exists || replace || fresh[i])
			nset_load(&b, i, &want->s[i], &rep->added);
		else
			nset_emit(&b, i, &add.s[i], false, &rep->added);
	}
	rep->messages = nft_batch_count(&b);
	if (rep->messages == 0) {
		/* The kernel holds exactly this; remember it if we had to read it. */
		if (save && !cached && content &&
		    applied_save(state_dir, &final, content))
			applied_forget(state_dir); /* costs a dump next time */
		goto out;
	}
	if (nft_batch_finish(&b))
		goto oom;
	rep->bytes = b.bytes;
	rc = nft_batch_send(&b, nl, err, errlen);
	rep->sent = true;
	/*
	 * The file must never claim a content the kernel no longer holds: it
	 * gets the delta just committed (a new base when it was not the log
	 * of what the kernel held).
	 */
	if (!rc && save && content) {
		if (applied_append_diff(state_dir, lg, &final, &del, &add, content, tab))
			applied_forget(state_dir);
	} else if (!rc && content != content_k) {
		applied_forget(state_dir);
	}
	goto out;
oom:
	rc = -ENOMEM;
	util_err(err, errlen, "nftables: out of memory building the batch");
out:
	for (int i = 0; i < NS__COUNT; i++)
		if (sync[i] && full.s[i].v == want->s[i].v)
			full.s[i].v = NULL; /* borrowed from want */
	nft_batch_free(&b);
	nset_all_free(&full);
	nset_all_free(&have);
	nset_all_free(&del);
	nset_all_free(&add);
	free(lg);
	free(tab);
	*spent = nl; /* closed by the caller, once the clock has stopped */
	return rc;
}

int enforce_apply(const char *state_dir, const struct nset_all *want,
	      const bool sync[NS__COUNT], const struct nft_skel *sk,
	      bool replace, struct enforce_report *rep, char *err,
	      size_t errlen)
{
	uint64_t t0 = util_now_mono_ns();
	struct mnl_socket *spent = NULL;
	bool used_cache = false;
	int rc;

	rc = apply_once(state_dir, want, sync, sk, replace, true, &used_cache,
			&spent, rep, err, errlen);
	/*
	 * Someone changed our sets behind our back (nft by hand): the file
	 * was wrong and the transaction aborted (a deletion not there, an
	 * addition there already or overlapping one, a set filled past our
	 * count). The same file would fail the same way every time: read
	 * the kernel and retry.
	 */
	if ((rc == -ENOENT || rc == -ENFILE || rc == -EEXIST || rc == -ENOTEMPTY) &&
	    used_cache) {
		applied_forget(state_dir);
		nft_close(spent);
		rc = apply_once(state_dir, want, sync, sk, replace, false,
				&used_cache, &spent, rep, err, errlen);
	}
	rep->elapsed_ns = util_now_mono_ns() - t0;
	/*
	 * The change is in force and recorded. Closing the socket waits for
	 * the kernel's deferred cleanup of the transaction (nf_tables flushes
	 * its destroy work: an RCU grace period, 3-15 ms measured here),
	 * which is no part of the change.
	 */
	nft_close(spent);
	return rc;
}

int enforce_lists_apply(struct nset_all *w, const struct enforce_opts *o,
		    bool replace, struct enforce_report *rep, char *err,
		    size_t errlen)
{
	struct enforce_state *st = calloc(1, sizeof(*st));
	struct enforce_opts *eff = calloc(1, sizeof(*eff));
	bool sync[NS__COUNT];
	char e2[ERRLEN];
	struct nft_skel sk;
	int rc, lockfd = -1;

	if (!st || !eff) {
		rc = -ENOMEM;
		goto out;
	}
	rc = state_lock(o->state_dir, STATE_LOCK_TIMEOUT_MS, &lockfd, err, errlen);
	if (rc)
		goto out;
	/* A recorded lockdown stays in force until release. */
	rc = state_load(o->state_dir, st, err, errlen);
	if (rc)
		goto out;
	rc = enforce_prepare(o, st->locked, st, eff, &sk, err, errlen);
	if (rc)
		goto out;
	rc = enforce_want_base(w, eff, err, errlen);
	if (rc)
		goto out;
	if (enforce_want_normalize(w)) {
		rc = util_err(err, errlen, "out of memory normalising lists");
		goto out;
	}
	rep->threat_hosts = w->s[NS_THREAT4].n + w->s[NS_THREAT6].n;
	rep->threat_nets = w->s[NS_THREAT4N].n + w->s[NS_THREAT6N].n;
	rep->trusted_hosts = w->s[NS_TRUST4].n + w->s[NS_TRUST6].n;
	rep->trusted_nets = w->s[NS_TRUST4N].n + w->s[NS_TRUST6N].n;
	for (int i = 0; i < NS__COUNT; i++)
		sync[i] = true;
	rc = enforce_apply(o->state_dir, w, sync, &sk, replace, rep, err, errlen);
	/* Room paid in advance for a lockdown's state file (state.h). */
	if (!rc && state_reserve(o->state_dir, e2, sizeof(e2)))
		log_warnx("%s (a lockdown on a full disk could not be recorded)", e2);
out:
	state_unlock(lockfd);
	free(st);
	free(eff);
	return rc;
}

int enforce_lists(struct list *const *lists, size_t nlists,
		  const struct enforce_opts *o, struct enforce_report *rep,
		  char *err, size_t errlen)
{
	struct enforce_report dummy;
	struct nset_all w;
	int rc = 0;

	if (!rep)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	nset_all_init(&w);
	for (size_t i = 0; i < nlists && !rc; i++)
		if (lists[i])
			rc = enforce_want_list(&w, lists[i], o, err, errlen);
	if (!rc)
		rc = enforce_lists_apply(&w, o, false, rep, err, errlen);
	nset_all_free(&w);
	return rc;
}
