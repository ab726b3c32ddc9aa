/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_rings.c - the channel's two message rings (docs/spec.md 15.6,
 * MESSAGE_RINGS): north's at descriptor offset 192, south's at 384 + c0, and
 * desc_size 576 + c0 + c1, where c0 and c1 are the capacities of the rings north and
 * south produce into.  What create checks and writes for them (6.1 steps 3, 5, 6),
 * and the opening of this side's producer or consumer ring once the feature is
 * negotiated.  The ring's format and its two sides are shm_signal_ring.c's.
 *
 * The descriptor's magic covers the rings: a creator writes both before it (its
 * step-8 fence orders them), and a side opens them only after a snapshot of the
 * descriptor with a valid magic.  The rings' own magics still come after a release
 * fence (R15-2), for a reader that opens a ring by its offset alone.
 */
#include "shm_signal_internal.h"

#include <stdio.h>

#define HDR SHM_SIGNAL_RING_HEADER
#define OFF_CAP SHM_SIGNAL_RING_OFF_CAPACITY
#define NORTH_AT SHM_SIGNAL_DESC_SIZE /* north's ring, from the descriptor's start */

/* South's ring, from the descriptor's start: right after north's. */
static uint32_t south_at(uint32_t c0)
{
	return NORTH_AT + HDR + c0;
}

/* ------------------------------------------------------ create (6.1) */

int shm_signal_rings_plan(const uint32_t *capacity, const uint32_t *max_message, uint32_t max_out[2],
			  uint32_t *desc_size, struct shm_signal_error *err)
{
	static const char *const cap_field[2] = {"capacity[0]", "capacity[1]"};
	static const char *const max_field[2] = {"max_message[0]", "max_message[1]"};
	char want[48];
	uint32_t l, m;
	*desc_size = SHM_SIGNAL_DESC_SIZE;
	if (!capacity) {
		if (max_message)
			return set_err(err, SHM_SIGNAL_E_ARG, "max_message", -1, "NULL without capacity", NULL,
				       "max_message is for the rings: give capacity too");
		return 0;
	}
	for (l = 0; l < 2; l++) {
		if (!shm_signal_ring_capacity_ok(capacity[l]))
			return set_err(err, SHM_SIGNAL_E_ARG, cap_field[l], -1, "a power of two, 64 to 2^30", NULL,
				       "%s %lu is not a power of two from 64 to 2^30", cap_field[l],
				       (unsigned long)capacity[l]);
		m = max_message && max_message[l] ? max_message[l] : capacity[l] - 8;
		if (m > capacity[l] - 8) {
			snprintf(want, sizeof want, "0 or 1 to %lu", (unsigned long)(capacity[l] - 8));
			return set_err(err, SHM_SIGNAL_E_ARG, max_field[l], -1, want, NULL,
				       "%s %lu is not %s (capacity - 8)", max_field[l], (unsigned long)m, want);
		}
		max_out[l] = m;
	}
	*desc_size = RINGS_FIXED + capacity[0] + capacity[1];
	return 0;
}

/* The first non-zero byte of [from, to) in the mapping at base: its index, or `to`.
 * Relaxed atomic loads (another process may write the file), a word at a time while
 * eight bytes remain: gigabytes of a fresh file are mostly holes read as zero. */
static uint64_t first_nonzero(const unsigned char *base, uint64_t from, uint64_t to)
{
	uint64_t i = from;
	while (to - i >= 8 && ld64(base + i) == 0) /* from is 64-aligned, so every word is */
		i += 8;
	for (; i < to; i++)
		if (ld8(base + i))
			return i;
	return to;
}

int shm_signal_rings_look(shm_signal_chan *ch, const unsigned char *d, uint64_t len, uint32_t desc_size,
			  struct shm_signal_error *err)
{
	uint64_t from = ch->offset + SHM_SIGNAL_DESC_SIZE, to = ch->offset + desc_size, at;
	struct shm_signal_map *m;
	int rc;
	/* R6.1-7: a descriptor the creator may write over (the caller checked that) and
	 * of the same size owns these bytes: they were its rings */
	if (shm_signal_load_le32(d + D_OFF(magic)) == SHM_SIGNAL_MAGIC &&
	    shm_signal_load_le32(d + D_OFF(desc_size)) == desc_size)
		return 0;
	if (len < to)
		to = len; /* past the end of the file the bytes are zero */
	if (to <= from)
		return 0;
	rc = shm_signal_file_map(ch->file, to, &m, err);
	if (rc)
		return rc;
	at = first_nonzero(m->base, from, to);
	if (at < to) {
		uint8_t b = ld8(m->base + at);
		shm_signal_map_release(m);
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_RING, "ring", (int64_t)(at - ch->offset),
				"the rings' bytes after the descriptor are not free (all zero, or a dead "
				"descriptor's rings of the same size): refused, not overwritten",
				"0", b);
	}
	shm_signal_map_release(m);
	return 0;
}

void shm_signal_rings_zero(unsigned char *desc, uint32_t desc_size)
{
	uint32_t i;
	/* Only the words that are not zero yet: a fresh file's pages stay holes (64-bit
	 * stores of 64-aligned words, desc_size a multiple of 64). */
	for (i = SHM_SIGNAL_DESC_SIZE; i < desc_size; i += 8)
		if (ld64(desc + i))
			st64(desc + i, 0);
}

void shm_signal_rings_write(unsigned char *desc, const uint32_t capacity[2], const uint32_t max_message[2])
{
	unsigned char *north = desc + NORTH_AT, *south = desc + south_at(capacity[0]);
	shm_signal_ring_write_header(north, capacity[0], max_message[0]);
	shm_signal_ring_write_header(south, capacity[1], max_message[1]);
	/* R15-2 for a reader that opens a ring by its offset alone, without the
	 * descriptor's snapshot (as the Python engine does too) */
	atomic_thread_fence(memory_order_release);
	st32(north, SHM_SIGNAL_RING_MAGIC); /* head and tail are 0 from step 5 and the header */
	st32(south, SHM_SIGNAL_RING_MAGIC);
}

/* ------------------------------------------------- opening a ring (15.6) */

/* MESSAGE_RINGS negotiated (a creator learns the set here once its peer attached):
 * 0, UNSUPPORTED_FEATURE, or the creator's BAD_FEATURES. */
static int rings_negotiated(shm_signal_chan *ch, struct shm_signal_error *err)
{
	int rc = shm_signal_refresh_features(ch, err);
	if (rc)
		return rc;
	if (ch->negotiated && (ch->features & SHM_SIGNAL_F_MESSAGE_RINGS))
		return 0;
	return fault_at(err, SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE, "features_accepted", D_AT(features_accepted),
			ch->negotiated ? "MESSAGE_RINGS is not negotiated on this channel: it has no rings"
				       : "nothing is negotiated yet (the peer has not attached): no rings",
			"MESSAGE_RINGS (0x40)", ch->negotiated ? ch->features : 0);
}

/* Where ring `which` (0 north, 1 south) is and how large, from north's capacity read
 * once (it places south's ring) and, to check the whole, south's: R15-15, 576 + c0 +
 * c1 is the desc_size this side validated.  A c0 that leaves no room for a south
 * ring of 64 bytes is north's ring not fitting; any other mismatch is south's.  0,
 * or BAD_RING (in r) naming capacity at ring offset 4. */
static int ring_place(shm_signal_chan *ch, uint32_t which, struct shm_signal_ring *r, uint32_t *at,
		      uint32_t *cap, struct shm_signal_error *err)
{
	char want[48];
	uint32_t c0 = ld32(ch->desc + NORTH_AT + OFF_CAP), c1;
	if (!shm_signal_ring_capacity_ok(c0))
		return shm_signal_ring_refuse(r, err, "capacity", OFF_CAP,
					      "north's ring: capacity must be a power of two from 64 to 2^30",
					      "power of two, 0x40 to 0x40000000", c0);
	/* (desc_size >= 704, 6.4 rule 5: the subtractions below do not wrap) */
	if (RINGS_FIXED + c0 + SHM_SIGNAL_RING_MIN_CAPACITY > ch->desc_size) {
		snprintf(want, sizeof want, "<= 0x%lx (desc_size - 640)",
			 (unsigned long)(ch->desc_size - RINGS_FIXED - SHM_SIGNAL_RING_MIN_CAPACITY));
		return shm_signal_ring_refuse(r, err, "capacity", OFF_CAP,
					      "north's ring leaves no room for south's in desc_size", want, c0);
	}
	c1 = ld32(ch->desc + south_at(c0) + OFF_CAP);
	if (c1 != ch->desc_size - RINGS_FIXED - c0) {
		snprintf(want, sizeof want, "0x%lx (desc_size - 576 - c0)",
			 (unsigned long)(ch->desc_size - RINGS_FIXED - c0));
		return shm_signal_ring_refuse(r, err, "capacity", OFF_CAP,
					      "south's ring does not end where desc_size says", want, c1);
	}
	*at = which ? south_at(c0) : NORTH_AT;
	*cap = which ? c1 : c0;
	return 0;
}

int shm_signal_channel_ring(shm_signal_chan *ch, int role, struct shm_signal_ring *r,
			    struct shm_signal_error *err)
{
	uint32_t which, at = 0, cap = 0;
	int rc;
	if (r)
		memset(r, 0, sizeof *r);
	rc = shm_signal_check_open(ch, err);
	if (rc)
		return rc;
	if (!r)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL, "no ring handle");
	if (role != SHM_SIGNAL_RING_PRODUCER && role != SHM_SIGNAL_RING_CONSUMER)
		return set_err(err, SHM_SIGNAL_E_ARG, "role", -1, "0 or 1", NULL,
			       "role %d is neither producer nor consumer", role);
	rc = rings_negotiated(ch, err);
	if (rc)
		return rc;
	/* a side produces into the ring of its own locality, and consumes the other */
	which = role == SHM_SIGNAL_RING_PRODUCER ? ch->locality : ch->remote;
	rc = ring_place(ch, which, r, &at, &cap, err);
	if (rc)
		return rc;
	/* exactly that ring's region: an open of a larger capacity is refused there */
	rc = shm_signal_ring_open(r, ch->desc + at, (size_t)HDR + cap, role, err);
	if (rc == 0 && r->capacity != cap)
		return shm_signal_ring_refuse(r, err, "capacity", OFF_CAP,
					      "the capacity changed while this side opened the ring",
					      "the one that placed it", r->capacity);
	return rc;
}
