/* SPDX-License-Identifier: MIT */
#ifndef CORDON_REPLAY_H
#define CORDON_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "sensor.h"
#include "tset.h"

/*
 * `cordon replay`'s engine: captures through one sensor, in order. The
 * threat set is made on another core (load(), then tset_build()) while
 * this one maps the first capture and parses it ahead in chunks
 * (sensor_prescan(), up to REPLAY_PRE_MAX frames); once the set is there
 * this one reads the records on and finishes each chunk in order (flows,
 * findings) while the other core parses and looks the chunks up (this
 * one too when it has nothing else to do). Same findings, in the
 * same order, as one thing after the other (the golden tests,
 * test_findings and bench_replay.sh compare them). Classic pcap files are
 * mapped (pcapfile.h); pcapng, pipes and the rest go through libpcap.
 * docs/internals/sensor.md, "Replay on two cores".
 */
#define REPLAY_PRE_MAX (1u << 20) /* frames kept: 13 bytes each, 45 for IPv6 */

/*
 * Before the sensor is made: its tables on whole huge pages from 512 KiB
 * (hidx_huge_from(); a replay fills them as fast as it can read, and a
 * 4 KiB fault costs 15-20 us on a VM: docs/internals/performance.md).
 */
void replay_prepare(void);

struct replay_set {
	/*
	 * In: the lists, loaded on the other thread (it must not touch what
	 * this one does). 0, or an exit status after its own message.
	 */
	int (*load)(void *arg, struct list ***lists, size_t *n);
	void *arg;
	/* Out: the caller frees them after the sensor (tset_free, free). */
	struct list **lists;
	size_t nlists;
	struct tset *tset;
	uint64_t load_ns, build_ns;
};

/*
 * Replay paths[0..n) into s, which uses set->tset once it is made.
 * 0; EXIT_USAGE when a capture could not be read whole (after a message;
 * the findings of the packets before the damage count, and the other
 * captures are read); load()'s status, or EXIT_FAIL when no set could be
 * made (after a message; nothing is read). *ahead: the frames parsed
 * while the set was being made.
 */
__must_check int replay_run(struct sensor *s, char *const *paths, size_t n,
			    struct replay_set *set, size_t *ahead);

#endif
