/* SPDX-License-Identifier: MIT */
#ifndef CORDON_FRAG_H
#define CORDON_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

/*
 * Later fragments carry no ports. A small direct-mapped cache remembers
 * the ports of first fragments by (src, dst, proto, id) so that the rest
 * of the datagram joins the same flow. Losing an entry only means a later
 * fragment is counted without ports; memory is fixed.
 */
#define FRAG_SLOTS 4096

struct frag_slot {
	struct cd_addr src, dst;
	uint32_t id;
	uint16_t sport, dport;
	uint8_t proto, used;
};

struct frag_cache {
	struct frag_slot slot[FRAG_SLOTS];
};

/* Remember a first fragment, or fill a later one's ports. */
bool frag_note(struct frag_cache *c, struct pkt_info *p);

#endif
