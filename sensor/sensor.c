/* SPDX-License-Identifier: MIT */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "sensor.h"

struct sensor {
	const struct tset *tset;
	struct flow_table *flows;
	struct findings *findings;
	struct frag_cache frag;
	struct sensor_stats st;
	/*
	 * The names of the lists that findings came from, once the set
	 * that named them is gone: one copy each, kept while a finding
	 * names it (sensor_set_tset()).
	 */
	char **names;
	size_t nnames;
};

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sensor_opts_default(struct sensor_opts *o)
{
	o->max_flows = 65536;
	o->max_findings = 65536;
	o->noise_hold_ns = SENSOR_NOISE_HOLD_NS;
}

struct sensor *sensor_new(const struct sensor_opts *o)
{
	struct sensor *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->flows = flow_table_new(o->max_flows);
	s->findings = findings_new(o->max_findings);
	if (!s->flows || !s->findings) {
		sensor_free(s);
		return NULL;
	}
	findings_set_hold(s->findings, o->noise_hold_ns);
	return s;
}

void sensor_free(struct sensor *s)
{
	if (!s)
		return;
	flow_table_free(s->flows);
	findings_free(s->findings);
	names_free(s->names, s->nnames);
	free(s);
}

void sensor_explain(struct sensor *s, struct finding *f)
{
	struct tset_match m;

	if (f->explained || !s->tset)
		return;
	tset_explain(s->tset, &f->key.remote, &m);
	f->list = m.list;
	f->list_name = m.list && m.list->name ? m.list->name : "";
	f->entry = m.entry;
	f->line = m.line;
	f->explained = true;
}

void sensor_explain_prefetch(const struct sensor *s, const struct finding *f, int stage)
{
	if (!f->explained && s->tset)
		tset_explain_prefetch(s->tset, &f->key.remote, stage);
}

/* The copy of name in v[0..*n) (made and added if none; NULL: no memory). */
static const char *name_keep(char **v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(v[i], name))
			return v[i];
	if (!(v[*n] = strdup(name)))
		return NULL;
	return v[(*n)++];
}

/*
 * Every finding's list name into a new store of copies, the old one let
 * go: the store holds the names findings hold, no more (a list renamed
 * every day costs nothing once its findings are gone).
 */
static void names_renew(struct sensor *s)
{
	size_t nf = 0, n = 0;
	const char *last = NULL, *kept = "";
	char **v;

	for (struct finding *f = findings_first(s->findings); f; f = findings_next(f))
		nf++;
	v = calloc(nf ? nf : 1, sizeof(*v));
	for (struct finding *f = findings_first(s->findings); f; f = findings_next(f)) {
		if (!f->explained || !f->list_name || !*f->list_name) {
			f->list_name = "";
			continue;
		}
		/* Findings of one list share its name: one search for a run. */
		if (f->list_name != last) {
			last = f->list_name;
			kept = v ? name_keep(v, &n, last) : NULL;
			if (!kept)
				kept = ""; /* out of memory: the finding loses its list's name */
		}
		f->list_name = kept;
	}
	names_free(s->names, s->nnames);
	s->names = v;
	s->nnames = n;
}

void sensor_set_tset(struct sensor *s, const struct tset *t)
{
	/* Findings not explained yet came from the set in use until now. */
	for (struct finding *f = findings_first(s->findings); f; f = findings_next(f))
		sensor_explain(s, f);
	/* The old set's lists may be freed now; findings keep the names. */
	names_renew(s);
	s->tset = t;
	flow_table_clear(s->flows);
	for (struct finding *f = findings_first(s->findings); f; f = findings_next(f))
		f->list = NULL;
	memset(&s->frag, 0, sizeof(s->frag));
}

const struct sensor_stats *sensor_get_stats(struct sensor *s)
{
	struct findings_stats fst;

	/* The table's own counts, read when asked (not once a packet). */
	findings_get_stats(s->findings, &fst);
	s->st.evicted = fst.evicted;
	s->st.held = fst.held;
	return &s->st;
}

struct findings *sensor_findings(struct sensor *s)
{
	return s->findings;
}

struct flow_table *sensor_flows(struct sensor *s)
{
	return s->flows;
}

static inline enum tset_verdict verdict_of(const struct tset *t,
					   const struct cd_addr *a)
{
	return a->af == AF_INET ? tset_lookup4(t, a->u.v4)
				: tset_lookup6(t, a->u.b);
}

/*
 * A flow's finding (fk: the flow's key, side 0 the initiator): the
 * listed side is remote, and when both are, the initiator is local
 * (remote, fixed when the flow was made). keep: the flow must find room
 * (OUTBOUND, or the host answered).
 */
static void finding_key_of(const struct flow_key *fk, int remote, struct finding_key *k)
{
	memset(k, 0, sizeof(*k));
	k->local = fk->addr[!remote];
	k->remote = fk->addr[remote];
	k->proto = fk->proto;
	k->dir = remote == 0 ? FINDING_INBOUND : FINDING_OUTBOUND;
	/* Service port: the responder's port, i.e. local for INBOUND. */
	k->service_port = fk->port[1];
}

/* fh: the key's hash when the batch made it already (struct sensor_hashes). */
static struct finding *flow_finding(struct sensor *s, const struct flow_key *fk,
				    int remote, uint64_t first_ns, bool keep,
				    const uint32_t *fh, bool *created)
{
	struct finding_key k;
	struct finding *f;

	finding_key_of(fk, remote, &k);
	f = findings_get_h(s->findings, &k, fh ? *fh : findings_hash(s->findings, &k),
			   first_ns, keep, created);
	if (!f)
		return NULL;
	if (*created) {
		f->local_port = fk->port[!remote];
		f->remote_port = fk->port[remote];
	}
	f->count++;
	return f;
}

/* A packet's key as the prober's flow: sender side 0 (flow.h, probes). */
static void probe_key(const struct pkt_info *p, struct flow_key *fk)
{
	memset(fk, 0, sizeof(*fk));
	fk->addr[0] = p->src;
	fk->addr[1] = p->dst;
	fk->port[0] = p->has_ports ? p->sport : 0;
	fk->port[1] = p->has_ports ? p->dport : 0;
	fk->proto = p->proto;
}

static inline bool parse_count(struct sensor_stats *st, int dlt, const uint8_t *buf,
			       size_t caplen, struct pkt_info *p)
{
	st->packets++;
	switch (pkt_parse(dlt, buf, caplen, p)) {
	case PKT_OK:
		st->ip++;
		return true;
	case PKT_SKIP:
		st->skipped++;
		return false;
	case PKT_TRUNCATED:
		st->truncated++;
		return false;
	default:
		st->malformed++;
		return false;
	}
}

static bool sensor_parse(struct sensor *s, int dlt, const uint8_t *buf,
			 size_t caplen, struct pkt_info *p)
{
	return parse_count(&s->st, dlt, buf, caplen, p);
}

void sensor_count_pre(struct sensor *s, const struct sensor_stats *st)
{
	s->st.packets += st->packets;
	s->st.ip += st->ip;
	s->st.skipped += st->skipped;
	s->st.truncated += st->truncated;
	s->st.malformed += st->malformed;
}

/* From a listed source to an unlisted host: a probe unless a flow knows it. */
static inline bool is_probe(enum tset_verdict vs, enum tset_verdict vd)
{
	return vs == TSET_THREAT && vd != TSET_THREAT;
}

/*
 * A packet's hashes as a batch makes them for its prefetch: what
 * sensor_match() uses again when the packet is a probe (the scan's case),
 * whose flow, probe and finding keys are the ones hashed here; the flow
 * hash also names the record flow_prefetch_rec() asks for.
 */
struct sensor_hashes {
	struct flow_hashes flow;
	uint32_t finding;
};

/* Ask for what sensor_match() will read first (a batch, before any). */
static void sensor_prefetch(struct sensor *s, const struct pkt_info *p,
			    enum tset_verdict vd, struct sensor_hashes *h)
{
	struct finding_key k;
	struct flow_key fk;

	flow_hashes(s->flows, p, &h->flow);
	flow_prefetch(s->flows, &h->flow);
	probe_key(p, &fk);
	finding_key_of(&fk, vd == TSET_THREAT, &k);
	h->finding = findings_hash(s->findings, &k);
	findings_prefetch_h(s->findings, &k, h->finding);
}

/* p as its destination would have sent it. */
static void reversed(const struct pkt_info *p, struct pkt_info *r)
{
	*r = *p;
	r->src = p->dst;
	r->dst = p->src;
	r->sport = p->dport;
	r->dport = p->sport;
	r->tcp_flags = 0;
}

/*
 * A packet from the host to a listed address that starts nothing and
 * answers nothing (docs/internals/sensor.md, "Spoofed contacts"): a TCP RST, or
 * an ICMP error (the kernel's, about a packet the listed side sent, which
 * anyone can spoof). *a: the contact it refuses, as the listed side sent
 * it: the 5-tuple an error quotes when the quote names this remote and
 * this host, else the packet turned round.
 */
static bool refusal(const uint8_t *buf, size_t caplen, const struct pkt_info *p,
		    struct pkt_info *a)
{
	struct pkt_quote q;

	if (p->proto == IPPROTO_TCP && p->has_ports && (p->tcp_flags & PKT_TCP_RST)) {
		reversed(p, a);
		return true;
	}
	if (!pkt_icmp_error(p))
		return false;
	if (pkt_quote(buf, caplen, p, &q) == PKT_OK && addr_eq(&q.src, &p->dst) &&
	    addr_eq(&q.dst, &p->src)) {
		*a = (struct pkt_info){
			.src = q.src, .dst = q.dst, .proto = q.proto,
			.has_ports = q.has_ports, .sport = q.sport, .dport = q.dport,
			.ip_len = p->ip_len, .nflog = p->nflog,
		};
		return true;
	}
	reversed(p, a);
	return true;
}

/*
 * The slow path, for a packet that touches a threat address. An inbound
 * packet from a listed source that no flow knows is a probe (flow.h):
 * its finding records it, no flow is made until the host answers. A
 * refusal (above) is counted with the contact it refuses, as a probe
 * when no flow knows it: never a flow of its own, never an answer.
 */
static bool sensor_match(struct sensor *s, const uint8_t *buf, size_t caplen,
			 struct pkt_info *p, enum tset_verdict vs,
			 enum tset_verdict vd, uint64_t ts_ns,
			 const struct sensor_hashes *hh, struct sensor_event *ev)
{
	bool created = false, from_init = true, fcreated = false, keep;
	struct flow_hashes own;
	struct flow_probe *pr = NULL;
	struct pkt_info ra;
	const struct pkt_info *kp = p; /* what the probe and its key are made of */
	struct flow_key pk;
	struct finding *f;
	struct flow *fl;
	uint32_t *ref, *gen;
	int remote = 0;

	if (vs == TSET_TRUSTED || vd == TSET_TRUSTED) {
		s->st.trusted++;
		return false;
	}
	s->st.matched++;
	if (p->fragment && frag_note(&s->frag, p)) {
		s->st.reassembled++;
		hh = NULL; /* its ports are new: the batch hashed the old key */
	}
	if (is_probe(vs, vd)) {
		const struct flow_hashes *fh = hh ? &hh->flow : &own;

		if (!hh)
			flow_hashes(s->flows, p, &own);
		fl = flow_find(s->flows, p, fh, ts_ns, &from_init);
		if (!fl)
			pr = flow_probe(s->flows, p, fh, &created);
	} else if (vd == TSET_THREAT && vs != TSET_THREAT && refusal(buf, caplen, p, &ra)) {
		kp = &ra;
		fl = flow_peek(s->flows, kp);
		if (!fl) {
			flow_hashes(s->flows, kp, &own);
			pr = flow_probe(s->flows, kp, &own, &created);
		}
	} else {
		fl = flow_track(s->flows, p, ts_ns, &created, &from_init);
		if (!fl) {
			s->st.lost++;
			return false;
		}
		/* The sender is the initiator, but for a SYN-ACK seen first. */
		if (created && !(fl->flags & FLOW_PROMOTED))
			fl->remote_side = fl->flags & FLOW_ANSWER_FIRST ? vs == TSET_THREAT :
									  vd == TSET_THREAT;
	}
	if (fl) {
		remote = fl->remote_side;
		keep = remote == 1 || (fl->flags & (FLOW_REPLIED | FLOW_ESTAB));
		ref = &fl->finding_ref;
		gen = &fl->finding_gen;
	} else {
		keep = false;
		ref = &pr->finding_ref;
		gen = &pr->finding_gen;
	}
	f = findings_at(s->findings, *ref);
	if (unlikely(!findings_same(f, *gen))) {
		/*
		 * A new flow, or its finding was evicted, or it found no room
		 * before (a probe): look again, it may be answered now.
		 */
		if (!fl)
			probe_key(kp, &pk);
		findings_set_now(s->findings, ts_ns);
		f = flow_finding(s, fl ? &fl->key : &pk, remote,
				 fl ? fl->first_ns : ts_ns, keep,
				 /* The probe's own key: the one the batch hashed. */
				 hh && !fl && kp == p ? &hh->finding : NULL, &fcreated);
		*ref = f ? findings_ref(f) : 0;
		*gen = f ? f->gen : 0;
		if (!f) {
			s->st.lost++;
			return false;
		}
	}
	findings_touch(s->findings, f, keep);
	f->packets++;
	f->bytes += p->ip_len;
	if (ts_ns > f->last_ns)
		f->last_ns = ts_ns;
	if (!p->nflog)
		f->blocked = false;
	if (fl && remote == 0) {
		/* INBOUND: did the host answer, did a handshake complete? */
		if (fl->flags & FLOW_REPLIED)
			f->answered = true;
		if (fl->flags & FLOW_ESTAB)
			f->established = true;
	}
	if (ev) {
		ev->finding = f;
		ev->flow = fl;
		ev->new_finding = fcreated;
		ev->new_flow = created;
	}
	return true;
}

/*
 * The matched frames of one batch (hit[i]): ask for the first cache lines
 * of every one's flow, probe, finding and group and of the next eviction
 * victims, then match them in order: the misses of a batch overlap
 * instead of following one another.
 */
static size_t match_batch(struct sensor *s, struct pkt_info *p,
			  const enum tset_verdict *vs, const enum tset_verdict *vd,
			  const bool *hit, const struct sensor_frame *fr, size_t n)
{
	struct sensor_hashes hs[SENSOR_BATCH];
	bool made[SENSOR_BATCH];
	size_t matched = 0, nm = 0;

	for (size_t i = 0; i < n; i++) {
		made[i] = hit[i] && vs[i] != TSET_TRUSTED && vd[i] != TSET_TRUSTED;
		if (made[i]) {
			sensor_prefetch(s, &p[i], vd[i], &hs[i]);
			nm++;
		}
	}
	if (nm)
		findings_prefetch_victims(s->findings, nm);
	/*
	 * The flows' index lines have had time to come: their records next,
	 * then the findings those name (each step a miss the batch overlaps).
	 */
	for (size_t i = 0; i < n; i++)
		if (made[i])
			flow_prefetch_rec(s->flows, hs[i].flow.flow);
	for (size_t i = 0; i < n; i++)
		if (made[i])
			findings_prefetch_ref(s->findings,
					      flow_finding_hint(s->flows, hs[i].flow.flow));
	for (size_t i = 0; i < n; i++)
		if (hit[i])
			matched += sensor_match(s, fr[i].buf, fr[i].caplen, &p[i], vs[i],
						vd[i], fr[i].ts_ns, made[i] ? &hs[i] : NULL,
						NULL);
	return matched;
}

bool sensor_packet(struct sensor *s, int dlt, const uint8_t *buf,
		   size_t caplen, uint64_t ts_ns, struct sensor_event *ev)
{
	enum tset_verdict vs, vd;
	struct pkt_info p;

	if (!sensor_parse(s, dlt, buf, caplen, &p) || unlikely(!s->tset))
		return false;
	vs = verdict_of(s->tset, &p.src);
	vd = verdict_of(s->tset, &p.dst);
	if (likely((vs | vd) == TSET_CLEAN))
		return false;
	return sensor_match(s, buf, caplen, &p, vs, vd, ts_ns, NULL, ev);
}

static size_t sensor_group(struct sensor *s, int dlt,
			   const struct sensor_frame *fr, size_t n)
{
	struct pkt_info p[SENSOR_BATCH];
	uint32_t a4[2 * SENSOR_BATCH];
	uint8_t v4[2 * SENSOR_BATCH], ok[SENSOR_BATCH];
	enum tset_verdict vs[SENSOR_BATCH], vd[SENSOR_BATCH];
	bool hit[SENSOR_BATCH];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		ok[i] = sensor_parse(s, dlt, fr[i].buf, fr[i].caplen, &p[i]);
		if (ok[i] && p[i].src.af == AF_INET) {
			a4[k++] = p[i].src.u.v4;
			a4[k++] = p[i].dst.u.v4;
		}
	}
	tset_lookup4_batch(s->tset, a4, k, v4);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		hit[i] = false;
		if (!ok[i])
			continue;
		if (p[i].src.af == AF_INET) {
			vs[i] = v4[k++];
			vd[i] = v4[k++];
		} else {
			vs[i] = tset_lookup6(s->tset, p[i].src.u.b);
			vd[i] = tset_lookup6(s->tset, p[i].dst.u.b);
		}
		hit[i] = unlikely((vs[i] | vd[i]) != TSET_CLEAN);
	}
	return match_batch(s, p, vs, vd, hit, fr, n);
}

size_t sensor_batch(struct sensor *s, int dlt, const struct sensor_frame *fr,
		    size_t n)
{
	size_t matched = 0;

	if (unlikely(!s->tset)) {
		struct pkt_info p;

		for (size_t i = 0; i < n; i++)
			sensor_parse(s, dlt, fr[i].buf, fr[i].caplen, &p);
		return 0;
	}
	for (size_t i = 0; i < n; i += SENSOR_BATCH)
		matched += sensor_group(s, dlt, fr + i,
					n - i < SENSOR_BATCH ? n - i : SENSOR_BATCH);
	return matched;
}

void sensor_prescan(struct sensor_stats *st, int dlt, const struct sensor_frame *fr,
		    size_t n, struct sensor_pre *pre, uint8_t *kind,
		    struct sensor_pre6 *pre6, size_t *n6)
{
	struct pkt_info p;

	for (size_t i = 0; i < n; i++) {
		if (!parse_count(st, dlt, fr[i].buf, fr[i].caplen, &p)) {
			kind[i] = SENSOR_PRE_DONE;
			pre[i].src = pre[i].dst = 0; /* read by the lookups, unused */
		} else if (p.src.af == AF_INET) {
			kind[i] = SENSOR_PRE_V4;
			pre[i].src = p.src.u.v4;
			pre[i].dst = p.dst.u.v4;
		} else {
			kind[i] = SENSOR_PRE_OTHER;
			pre[i].dst = 0;
			pre[i].src = (uint32_t)*n6;
			memcpy(pre6[*n6].src, p.src.u.b, 16);
			memcpy(pre6[*n6].dst, p.dst.u.b, 16);
			++*n6;
		}
	}
}

/* Parse a prescanned frame again (counted already). */
static void reparse(int dlt, const struct sensor_frame *f, struct pkt_info *p)
{
	enum pkt_result r = pkt_parse(dlt, f->buf, f->caplen, p);

	(void)r; /* PKT_OK: the prescan said so */
}

static inline unsigned vc4_slot(uint32_t a)
{
	return (unsigned)((a * 0x9e3779b1u) >> (32 - SENSOR_VC4_BITS));
}

static inline unsigned vc6_slot(uint64_t hi, uint64_t lo)
{
	return (unsigned)(((hi ^ lo) * 0x9e3779b97f4a7c15ull) >> (64 - SENSOR_VC6_BITS));
}

static inline void vc4_put(struct sensor_vcache *vc, uint32_t a, unsigned v)
{
	vc->e4[vc4_slot(a)] = (uint64_t)a << 8 | (v + 1);
}

/* The verdict of a remembered address (0..2), or -1. */
static inline int vc6_get(const struct sensor_vcache *vc, const uint8_t a[16])
{
	uint64_t hi, lo;
	const struct sensor_vc6 *e;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	e = &vc->e6[vc6_slot(hi, lo)];
	return e->v && e->hi == hi && e->lo == lo ? (int)e->v - 1 : -1;
}

static inline void vc6_put(struct sensor_vcache *vc, const uint8_t a[16], unsigned v)
{
	uint64_t hi, lo;
	struct sensor_vc6 *e;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	e = &vc->e6[vc6_slot(hi, lo)];
	e->hi = hi;
	e->lo = lo;
	e->v = (uint8_t)(v + 1);
}

/*
 * One group: remembered addresses are answered at once, the others are
 * looked up together (tset_lookup*_batch) and remembered. v[2i], v[2i+1]:
 * the verdicts of frame i's source and destination.
 */
static void pre_group(const struct tset *t, struct sensor_vcache *vc,
		      const struct sensor_pre *pre, const struct sensor_pre6 *pre6,
		      const uint8_t *kind, size_t m, uint8_t *v)
{
	uint8_t a6[2 * SENSOR_BATCH][16], v4[2 * SENSOR_BATCH], v6[2 * SENSOR_BATCH];
	uint8_t at4[2 * SENSOR_BATCH], at6[2 * SENSOR_BATCH];
	uint32_t a4[2 * SENSOR_BATCH];
	size_t k4 = 0, k6 = 0;

	/*
	 * IPv4 without branches on the data (hit or miss, which kind: both
	 * are coin flips to the predictor): every frame's two addresses go
	 * through the memo, a miss of an IPv4 frame is queued. The verdict
	 * read from an empty or other slot is junk, overwritten or unused.
	 */
	for (size_t i = 0; i < m; i++) {
		unsigned is4 = kind[i] == SENSOR_PRE_V4;
		uint32_t ad[2] = { pre[i].src, pre[i].dst };

		for (unsigned j = 0; j < 2; j++) {
			uint64_t e = vc->e4[vc4_slot(ad[j])];
			unsigned hit = (e & 0xff) != 0 && (uint32_t)(e >> 8) == ad[j];

			v[2 * i + j] = (uint8_t)((e & 0xff) - 1);
			at4[k4] = (uint8_t)(2 * i + j);
			a4[k4] = ad[j];
			k4 += is4 & !hit;
		}
	}
	for (size_t i = 0; i < m; i++) {
		if (kind[i] == SENSOR_PRE_OTHER) {
			const struct sensor_pre6 *q = &pre6[pre[i].src];
			const uint8_t *ad[2] = { q->src, q->dst };

			for (unsigned j = 0; j < 2; j++) {
				int c = vc6_get(vc, ad[j]);

				if (c >= 0) {
					v[2 * i + j] = (uint8_t)c;
				} else {
					at6[k6] = (uint8_t)(2 * i + j);
					memcpy(a6[k6++], ad[j], 16);
				}
			}
		}
	}
	tset_lookup4_batch(t, a4, k4, v4);
	tset_lookup6_batch(t, (const uint8_t (*)[16])a6, k6, v6);
	for (size_t k = 0; k < k4; k++) {
		v[at4[k]] = v4[k];
		vc4_put(vc, a4[k], v4[k]);
	}
	for (size_t k = 0; k < k6; k++) {
		v[at6[k]] = v6[k];
		vc6_put(vc, a6[k], v6[k]);
	}
}

void sensor_pre_lookup(const struct tset *t, struct sensor_vcache *vc,
		       const struct sensor_pre *pre,
		       const struct sensor_pre6 *pre6, uint8_t *kind, size_t n)
{
	for (size_t g = 0; g < n; g += SENSOR_BATCH) {
		size_t m = n - g < SENSOR_BATCH ? n - g : SENSOR_BATCH;
		uint8_t v[2 * SENSOR_BATCH];

		/* Written by the other core: ask for a later group's lines. */
		if (g + 5 * SENSOR_BATCH <= n) {
			for (size_t b = 0; b < sizeof(pre[0]) * SENSOR_BATCH; b += 64)
				__builtin_prefetch((const char *)(pre + g + 4 * SENSOR_BATCH) + b);
			__builtin_prefetch(kind + g + 4 * SENSOR_BATCH);
		}
		pre_group(t, vc, pre + g, pre6, kind + g, m, v);
		for (size_t i = 0; i < m; i++) {
			unsigned vs = v[2 * i] & 3, vd = v[2 * i + 1] & 3;
			bool hit = kind[g + i] != SENSOR_PRE_DONE && (vs | vd) != TSET_CLEAN;

			kind[g + i] = hit ? (uint8_t)(SENSOR_PRE_HIT | vs << 2 | vd)
					  : (uint8_t)SENSOR_PRE_DONE;
		}
	}
}

size_t sensor_pre_finish(struct sensor *s, int dlt,
			 const struct sensor_frame *fr, const uint8_t *kind,
			 size_t n)
{
	struct pkt_info p[SENSOR_BATCH];
	enum tset_verdict vs[SENSOR_BATCH], vd[SENSOR_BATCH];
	bool hit[SENSOR_BATCH];
	size_t matched = 0;

	for (size_t g = 0; g < n; g += SENSOR_BATCH) {
		size_t m = n - g < SENSOR_BATCH ? n - g : SENSOR_BATCH;
		bool any = false;

		for (size_t i = 0; i < m; i++) {
			uint8_t k = kind[g + i];

			vs[i] = vd[i] = TSET_CLEAN;
			hit[i] = k & SENSOR_PRE_HIT;
			if (!hit[i])
				continue;
			vs[i] = (enum tset_verdict)(k >> 2 & 3);
			vd[i] = (enum tset_verdict)(k & 3);
			reparse(dlt, &fr[g + i], &p[i]);
			any = true;
		}
		if (any)
			matched += match_batch(s, p, vs, vd, hit, fr + g, m);
	}
	return matched;
}

size_t sensor_batch_pre(struct sensor *s, int dlt,
			const struct sensor_frame *fr, const struct sensor_pre *pre,
			const struct sensor_pre6 *pre6, uint8_t *kind, size_t n)
{
	struct sensor_vcache *vc;
	size_t matched;

	if (unlikely(!s->tset) || !(vc = calloc(1, sizeof(*vc))))
		return 0;
	sensor_pre_lookup(s->tset, vc, pre, pre6, kind, n);
	free(vc);
	matched = sensor_pre_finish(s, dlt, fr, kind, n);
	return matched;
}
