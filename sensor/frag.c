/* SPDX-License-Identifier: MIT */
#include "frag.h"

static unsigned frag_index(const struct pkt_info *p)
{
	uint32_t h = p->frag_id * 2654435761u;

	for (int i = 0; i < 4; i++)
		h = (h ^ p->src.u.w[i] ^ (p->dst.u.w[i] << 1)) * 2654435761u;
	h ^= p->proto;
	return (h >> 12) % FRAG_SLOTS;
}

bool frag_note(struct frag_cache *c, struct pkt_info *p)
{
	struct frag_slot *s;

	if (!p->fragment)
		return false;
	s = &c->slot[frag_index(p)];
	if (p->frag_off == 0) {
		if (!p->has_ports)
			return false;
		s->src = p->src;
		s->dst = p->dst;
		s->id = p->frag_id;
		s->proto = p->proto;
		s->sport = p->sport;
		s->dport = p->dport;
		s->used = 1;
		return false;
	}
	if (!s->used || s->id != p->frag_id || s->proto != p->proto ||
	    !addr_eq(&s->src, &p->src) || !addr_eq(&s->dst, &p->dst))
		return false;
	p->sport = s->sport;
	p->dport = s->dport;
	p->has_ports = true;
	p->tcp_flags = 0;
	return true;
}
