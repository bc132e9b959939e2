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
};

void sensor_opts_default(struct sensor_opts *o)
{
	o->max_flows = 65536;
	o->max_findings = 65536;
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
	return s;
}

void sensor_free(struct sensor *s)
{
	if (!s)
		return;
	flow_table_free(s->flows);
	findings_free(s->findings);
	free(s);
}

void sensor_set_tset(struct sensor *s, const struct tset *t)
{
	s->tset = t;
	flow_table_clear(s->flows);
	memset(&s->frag, 0, sizeof(s->frag));
}

const struct sensor_stats *sensor_get_stats(const struct sensor *s)
{
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

/* A new flow decides its finding: which side is listed, which way it goes. */
static struct finding *flow_finding(struct sensor *s, struct flow *fl,
				    enum tset_verdict v_init,
				    enum tset_verdict v_resp, bool *created)
{
	struct finding_key k;
	struct tset_match m;
	struct finding *f;
	int remote;

	/* The listed side is remote; when both are, the initiator is local. */
	remote = v_resp == TSET_THREAT ? 1 : 0;
	(void)v_init;
	memset(&k, 0, sizeof(k));
	k.local = fl->key.addr[!remote];
	k.remote = fl->key.addr[remote];
	k.proto = fl->key.proto;
	k.dir = remote == 0 ? FINDING_INBOUND : FINDING_OUTBOUND;
	/* Service port: the responder's port, i.e. local for INBOUND. */
	k.service_port = fl->key.port[1];
	fl->remote_side = (uint8_t)remote;
	f = findings_get(s->findings, &k, fl->first_ns, created);
	if (!f)
		return NULL;
	if (*created) {
		f->local_port = fl->key.port[!remote];
		f->remote_port = fl->key.port[remote];
		tset_explain(s->tset, &k.remote, &m);
		f->list = m.list;
		f->entry = m.entry;
		f->line = m.line;
	}
	f->count++;
	return f;
}

bool sensor_packet(struct sensor *s, int dlt, const uint8_t *buf,
		   size_t caplen, uint64_t ts_ns, struct sensor_event *ev)
{
	enum tset_verdict vs, vd;
	struct pkt_info p;
	struct flow *fl;
	struct finding *f;
	bool created = false, from_init = true, fcreated = false;

	s->st.packets++;
	switch (pkt_parse(dlt, buf, caplen, &p)) {
	case PKT_OK:
		break;
	case PKT_SKIP:
		s->st.skipped++;
		return false;
	case PKT_TRUNCATED:
		s->st.truncated++;
		return false;
	default:
		s->st.malformed++;
		return false;
	}
	s->st.ip++;
	if (unlikely(!s->tset))
		return false;
	vs = verdict_of(s->tset, &p.src);
	vd = verdict_of(s->tset, &p.dst);
	if (likely((vs | vd) == TSET_CLEAN))
		return false;
	if (vs == TSET_TRUSTED || vd == TSET_TRUSTED) {
		s->st.trusted++;
		return false;
	}
	s->st.matched++;
	if (p.fragment && frag_note(&s->frag, &p))
		s->st.reassembled++;
	fl = flow_track(s->flows, &p, ts_ns, &created, &from_init);
	if (!fl) {
		s->st.lost++;
		return false;
	}
	if (created)
		fl->finding = flow_finding(s, fl, vs, vd, &fcreated);
	f = fl->finding;
	if (!f) {
		s->st.lost++;
		return false;
	}
	f->packets++;
	f->bytes += p.ip_len;
	if (ts_ns > f->last_ns)
		f->last_ns = ts_ns;
	if (!p.nflog)
		f->blocked = false;
	if (fl->remote_side == 0) {
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
