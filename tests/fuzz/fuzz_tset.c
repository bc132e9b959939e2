/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the threat set against a brute-force matcher. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "tset.h"

#define NL 4
static const enum list_kind kinds[NL] = { LIST_THREAT, LIST_TRUSTED, LIST_THREAT, LIST_TRUSTED };

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct list L[NL], *lp[NL];
	size_t ne = n / 6;
	char err[256];
	memset(L, 0, sizeof(L));
	for (int i = 0; i < NL; i++) {
		L[i].kind = kinds[i];
		L[i].name = (char *)"f";
		L[i].ent = calloc(ne + 1, sizeof(struct list_entry));
		lp[i] = &L[i];
	}
	/* entry: flags, len, 4 addr bytes (v6: spread into a small space) */
	for (size_t j = 0; j < ne; j++) {
		const uint8_t *e = d + 6 * j;
		int li = e[0] & 3;
		bool v6 = e[0] & 4;
		struct cd_prefix p;
		uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		if (v6) {
			b[4] = e[2]; b[5] = e[3]; b[6] = e[4] & 0xf0; b[15] = e[5];
			b[7] = (e[0] & 8) ? 0xff : 0; if (e[0] & 16) memset(b, 0xff, 16);
			addr_set6(&p.a, b);
			p.len = e[1] % 129;
		} else {
			uint32_t a; memcpy(&a, e + 2, 4);
			if (e[0] & 8) a |= htonl(0xffffff00);
			addr_set4(&p.a, a);
			p.len = e[1] % 33;
		}
		prefix_mask(&p);
		L[li].ent[L[li].n].pfx = p;
		L[li].ent[L[li].n].line = (uint32_t)j + 1;
		L[li].n++;
	}
	struct tset *t = tset_build(lp, NL, err, sizeof(err));
	if (!t) abort();
	/* probes: each entry's address, +-1, and last address */
	for (int li = 0; li < NL; li++)
	for (size_t j = 0; j < L[li].n; j++) {
		for (int k = 0; k < 4; k++) {
			struct cd_addr a = L[li].ent[j].pfx.a;
			if (k == 1) prefix_last(&L[li].ent[j].pfx, &a);
			if (k == 2) a.u.b[a.af == AF_INET ? 3 : 15] ^= 1;
			if (k == 3) a.u.b[a.af == AF_INET ? 2 : 5] ^= 0x10;
			/* reference */
			const struct list_entry *bt = NULL, *bh = NULL; const struct list *lt = NULL, *lh = NULL;
			for (int x = 0; x < NL; x++)
				for (size_t y = 0; y < L[x].n; y++) {
					const struct list_entry *q = &L[x].ent[y];
					if (!prefix_contains(&q->pfx, &a)) continue;
					if (kinds[x] == LIST_TRUSTED) { if (!bt || q->pfx.len > bt->pfx.len) { bt = q; lt = &L[x]; } }
					else if (!bh || q->pfx.len > bh->pfx.len) { bh = q; lh = &L[x]; }
				}
			enum tset_verdict v = bt ? TSET_TRUSTED : bh ? TSET_THREAT : TSET_CLEAN;
			struct tset_match m;
			if (tset_lookup(t, &a) != v) abort();
			if (tset_explain(t, &a, &m) != v) abort();
			if (v != TSET_CLEAN) {
				const struct list_entry *q = bt ? bt : bh;
				if (m.list != (bt ? lt : lh) || m.line != q->line || m.entry.len != q->pfx.len) abort();
			}
			if (a.af == AF_INET) { uint8_t bv; tset_lookup4_batch(t, &a.u.v4, 1, &bv); if (bv != v) abort(); }
		}
	}
	tset_free(t);
	for (int i = 0; i < NL; i++) free(L[i].ent);
	return 0;
}
