/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_handshake.c - a channel's life before and after the protocol (docs/spec.md
 * 6 and 9): allocating and freeing it (a published channel stores closed before its
 * lock goes), the liveness locks, create (spec 6.1: both locks, look before writing,
 * grow, map, open the wake objects, write, publish), attach (spec 6.3: snapshot,
 * lock, second snapshot, write, retried until the timeout), the roll-back of either
 * (everything is released; nothing is written before all that can fail has
 * succeeded), and feature negotiation (spec 6.2: what the creator offers and the
 * attacher accepts, and the creator learning the negotiated set).
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t shm_signal_supported_features(void)
{
	uint64_t wake = shm_signal_wake_supported();
	/* the rings (15.6) need nothing of the OS: every channel can wait for their messages */
	uint64_t f = SHM_SIGNAL_F_NOTIFY_COUNT | SHM_SIGNAL_F_LIVENESS_LOCK | SHM_SIGNAL_F_WAITER_FLAG |
		     SHM_SIGNAL_F_MESSAGE_RINGS | wake;
#if ATOMIC_INT_LOCK_FREE == 2 /* an add that another process sees as atomic (7.8 F7) */
	/* the doorbell is waited on by address: only where WAKE_ADDRESS is */
	if (wake & SHM_SIGNAL_F_WAKE_ADDRESS)
		f |= SHM_SIGNAL_F_GROUP_DOORBELL;
#endif
	return f;
}

/* ------------------------------------------------ GROUP_DOORBELL (7.8) */

/* From one snapshot of the head's first 24 bytes (magic, acquire fence, the rest, as
 * spec 6.4 takes them; `mapping` starts at file offset 0): 1 if they hold the
 * little-endian magic and offer GROUP_DOORBELL, 0 if the magic without the offer,
 * -1 without the magic (no head, or not yet published). */
static int head_doorbell(const unsigned char *mapping)
{
	unsigned char head[D_OFF(features_required)];
	shm_signal_snapshot(mapping, head, sizeof head);
	if (shm_signal_load_le32(head + D_OFF(magic)) != SHM_SIGNAL_MAGIC)
		return -1;
	return (shm_signal_load_le64(head + D_OFF(features_offered)) & SHM_SIGNAL_F_GROUP_DOORBELL) != 0;
}

/* GROUP_DOORBELL needs WAKE_ADDRESS and WAITER_FLAG in the same set (6.4 rule 12). */
static uint64_t doorbell_needs(uint64_t f)
{
	if ((f & SHM_SIGNAL_DOORBELL_NEEDS) != SHM_SIGNAL_DOORBELL_NEEDS)
		f &= ~SHM_SIGNAL_F_GROUP_DOORBELL;
	return f;
}

/* A descriptor at offset 64 or 128 overlaps the head's doorbells: nowhere to ring. */
static int clear_of_head(uint64_t offset)
{
	return offset == 0 || offset >= SHM_SIGNAL_DESC_SIZE;
}

/* ---------------------------------------------------- liveness (spec 9) */

/* Take record `loc`'s liveness byte: 0, LOCALITY_BUSY, or an error. */
static int take_lock(shm_signal_chan *ch, uint32_t loc, struct shm_signal_error *err)
{
	int rc = shm_signal_file_lock(ch->file, lock_offset(ch, loc), err);
	if (rc == 1)
		return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, state_field[loc],
			       R_AT(loc, state), "a free liveness lock", "held",
			       "the record's liveness lock is held (by another process, or another "
			       "channel of this one)");
	if (rc == 0)
		ch->locked[loc] = 1;
	return rc;
}

static void drop_lock(shm_signal_chan *ch, uint32_t loc)
{
	if (ch->locked[loc]) {
		shm_signal_file_unlock(ch->file, lock_offset(ch, loc));
		ch->locked[loc] = 0;
	}
}

/* ------------------------------------------------------------ lifetime */

static shm_signal_chan *chan_new(void)
{
	shm_signal_chan *ch = (shm_signal_chan *)calloc(1, sizeof *ch);
	if (!ch)
		return NULL;
	ch->budget = DEFAULT_BUDGET;
	ch->liveness_s = DEFAULT_LIVENESS_S;
	shm_signal_spin_init(&ch->spin, SHM_SIGNAL_SPIN_AUTO);
	return ch;
}

/* Release everything a channel holds.  A channel that published its attached state
 * and did not close stores closed first: its lock going away must not read as a
 * death (spec 6.1, 6.3). */
void shm_signal_chan_free(shm_signal_chan *ch)
{
	if (!ch)
		return;
	if (ch->published && !ch->closed) {
		st32(rec(ch, ch->locality) + R_OFF(state), SHM_SIGNAL_STATE_CLOSED);
		atomic_thread_fence(memory_order_seq_cst);
	}
	drop_lock(ch, 0);
	drop_lock(ch, 1);
	shm_signal_wake_close(ch);
	shm_signal_data_release(ch);
	shm_signal_map_release(ch->map);
	shm_signal_file_release(ch->file);
	free(ch);
}

static int fail(shm_signal_chan *ch, int rc)
{
	shm_signal_chan_free(ch);
	return rc;
}

/* ------------------------------------------------------ create (6.1) */

/* Arguments common to create and attach: the offset's alignment (a fault, as for a
 * descriptor found there), then its range (an argument error). */
static int check_offset(uint64_t offset, struct shm_signal_error *err)
{
	if (offset % SHM_SIGNAL_DESC_ALIGN)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_OFFSET, "offset",
				offset > (uint64_t)INT64_MAX ? -1 : (int64_t)offset,
				"descriptor offset must be a multiple of 64", "multiple of 64", offset);
	if (offset > MAX_OFFSET)
		return set_err(err, SHM_SIGNAL_E_ARG, "offset", -1, "<= 2^63-1 - 2^40 - 192", NULL,
			       "offset %llu is too large: the descriptor and its liveness bytes (at "
			       "2^40 + offset + 64 and + 128) must lie below 2^63",
			       (unsigned long long)offset);
	return 0;
}

/* Spec 6.1 step 3: may the creator write over the bytes `d` (a descriptor's worth at
 * ch->offset, zero past the end of the file)?  It holds both records' locks now, so a
 * record that uses the lock is not live; one that does not, and reads attached, is. */
static int may_overwrite(const unsigned char *d, struct shm_signal_error *err)
{
	uint32_t magic, creator, loc, i;
	uint64_t offered, accepted;
	for (i = 0; i < SHM_SIGNAL_DESC_SIZE && d[i] == 0; i++) {
	}
	if (i == SHM_SIGNAL_DESC_SIZE)
		return 0;
	magic = shm_signal_load_le32(d + D_OFF(magic));
	if (magic != SHM_SIGNAL_MAGIC)
		return fault_at(err, magic == SHM_SIGNAL_MAGIC_SWAPPED ? SHM_SIGNAL_FAULT_BYTE_SWAPPED
								       : SHM_SIGNAL_FAULT_BAD_MAGIC,
				"magic", D_AT(magic),
				"the bytes at the offset are neither all zero nor a descriptor: "
				"refused, not overwritten", "0x58fa39df or all zero", magic);
	creator = shm_signal_load_le32(d + D_OFF(creator));
	offered = shm_signal_load_le64(d + D_OFF(features_offered));
	accepted = shm_signal_load_le64(d + D_OFF(features_accepted));
	for (loc = 0; loc < 2; loc++) {
		uint64_t uses;
		if (shm_signal_load_le32(d + OFF_IRQ(loc) + R_OFF(state)) != SHM_SIGNAL_STATE_ATTACHED)
			continue;
		if (creator == loc)
			uses = offered;
		else if (creator == 1 - loc)
			uses = accepted;
		else /* no valid creator: nobody can say the record uses the lock */
			uses = 0;
		if (!(uses & SHM_SIGNAL_F_LIVENESS_LOCK))
			return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, state_field[loc],
				       R_AT(loc, state), "empty, closed, or a dead owner", "1",
				       "a peer is attached there without a liveness lock, so it counts as "
				       "live: refused, not overwritten");
	}
	return 0;
}

/* Spec 6.1 step 3: look at what is at ch->offset now (the file may be shorter), and
 * with rings (desc_size > 192) at the bytes they will take. */
static int look_before_writing(shm_signal_chan *ch, uint32_t desc_size, struct shm_signal_error *err)
{
	unsigned char d[SHM_SIGNAL_DESC_SIZE];
	uint64_t len;
	int rc = shm_signal_file_size(ch->file, &len, err);
	if (rc)
		return rc;
	memset(d, 0, sizeof d);
	if (len > ch->offset) {
		struct shm_signal_map *m;
		unsigned n = len - ch->offset < SHM_SIGNAL_DESC_SIZE ? (unsigned)(len - ch->offset)
								  : SHM_SIGNAL_DESC_SIZE;
		rc = shm_signal_file_map(ch->file, ch->offset + n, &m, err);
		if (rc)
			return rc;
		shm_signal_snapshot(m->base + ch->offset, d, n);
		shm_signal_map_release(m);
	}
	rc = may_overwrite(d, err);
	if (!rc && desc_size > SHM_SIGNAL_DESC_SIZE)
		rc = shm_signal_rings_look(ch, d, len, desc_size, err);
	return rc;
}

int shm_signal_create(shm_signal_chan **out, const char *path, uint32_t locality, uint64_t offset,
		      uint64_t size, uint64_t features, uint64_t required, uint32_t mode,
		      uint32_t flags, const uint8_t *instance_id, uint32_t pid,
		      struct shm_signal_error *err)
{
	return shm_signal_create_rings(out, path, locality, offset, size, features, required, mode, flags,
				       instance_id, pid, NULL, NULL, err);
}

int shm_signal_create_rings(shm_signal_chan **out, const char *path, uint32_t locality, uint64_t offset,
			    uint64_t size, uint64_t features, uint64_t required, uint32_t mode,
			    uint32_t flags, const uint8_t *instance_id, uint32_t pid,
			    const uint32_t capacity[2], const uint32_t max_message[2],
			    struct shm_signal_error *err)
{
	shm_signal_chan *ch;
	uint8_t id[16];
	uint64_t supported = shm_signal_supported_features();
	uint64_t offered = (flags & SHM_SIGNAL_O_FEATURES) ? features : supported;
	uint32_t other, desc_size, ring_max[2];
	unsigned i;
	int rc;

	if (!out || !path)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "out and path are required");
	*out = NULL;
	rc = check_offset(offset, err);
	if (!rc)
		rc = shm_signal_rings_plan(capacity, max_message, ring_max, &desc_size, err);
	if (rc)
		return rc;
	/* R15-14: MESSAGE_RINGS is offered exactly when the rings are laid out */
	if (!capacity && (required & SHM_SIGNAL_F_MESSAGE_RINGS))
		return set_err(err, SHM_SIGNAL_E_ARG, "required", -1, "without MESSAGE_RINGS", NULL,
			       "MESSAGE_RINGS is required only by a creator that lays out rings");
	if (capacity)
		offered |= SHM_SIGNAL_F_MESSAGE_RINGS;
	else
		offered &= ~SHM_SIGNAL_F_MESSAGE_RINGS;
	if (size > (uint64_t)INT64_MAX)
		return set_err(err, SHM_SIGNAL_E_ARG, "size", -1, "<= 2^63-1", NULL,
			       "size %llu is larger than any file can be", (unsigned long long)size);
	/* The attacher opens the file read-write as the same user: without owner read and
	 * write it could not; bits beyond 0777 (setuid, sticky) make no sense here. */
	if (mode > 0777 || (mode & 0600) != 0600) {
		char a[16];
		snprintf(a, sizeof a, "0%o", (unsigned)mode);
		return set_err(err, SHM_SIGNAL_E_ARG, "mode", -1, "within 0777, including 0600", a,
			       "mode 0%o: must lie within 0777 and include owner read and write (0600)",
			       (unsigned)mode);
	}
	if (locality > 1)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_LOCALITY, "creator", D_AT(creator),
				"creator must be 0 (north) or 1 (south)", "0 or 1", locality);
	if (required & SHM_SIGNAL_F_GROUP_DOORBELL)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_required",
				D_AT(features_required), "GROUP_DOORBELL is never required (spec 7.8)",
				"without GROUP_DOORBELL", required);
	if (required & ~offered)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_required",
				D_AT(features_required), "required features must be offered",
				"subset of offered", required);
	/* A creator offers only what it implements: an attacher may accept any offered bit. */
	if (offered & ~supported)
		return fault_at(err, SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE, "features_offered",
				D_AT(features_offered), "offered features must be implemented here",
				"subset of supported", offered);
	/* as an attacher would: without WAKE_ADDRESS and WAITER_FLAG it is not offered */
	offered = doorbell_needs(offered);
	if (size < offset + desc_size)
		size = offset + desc_size; /* size is the file's minimum length */
	if (flags & SHM_SIGNAL_O_INSTANCE_ID) {
		if (!instance_id)
			return set_err(err, SHM_SIGNAL_E_ARG, "instance_id", D_AT(instance_id), NULL,
				       NULL, "SHM_SIGNAL_O_INSTANCE_ID needs instance_id");
		memcpy(id, instance_id, 16);
		for (i = 0; i < 16 && id[i] == 0; i++) {
		}
		if (i == 16)
			return fault_at(err, SHM_SIGNAL_FAULT_BAD_INSTANCE_ID, "instance_id",
					D_AT(instance_id), "instance_id must not be all zero",
					"not all zero", 0);
	} else {
		do {
			if (shm_signal_random_bytes(id, sizeof id) != 0)
				return sys_err(err, "random source");
			for (i = 0; i < 16 && id[i] == 0; i++) {
			}
		} while (i == 16);
	}

	ch = chan_new();
	if (!ch)
		return set_err(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
	ch->offset = offset;
	ch->desc_size = desc_size;
	ch->locality = locality;
	ch->remote = other = 1 - locality;
	ch->is_creator = 1;
	ch->supported = supported;
	ch->offered = offered;
	ch->required = required;
	memcpy(ch->instance_id, id, 16);
	/* spec 6.1 step 1: no symbolic link, a regular file */
	rc = shm_signal_file_open(&ch->file, path, 1, (flags & SHM_SIGNAL_O_EXIST_OK) != 0, mode, err);
	if (rc)
		return fail(ch, rc);
	/* step 2: both records' locks before anything is written, whatever the features:
	 * they keep two creators, or a creator and an attacher, off one descriptor.  North
	 * first, whatever our locality: two racing creators then cannot each take one lock
	 * and both give up; the first to north's lock wins. */
	rc = take_lock(ch, 0, err);
	if (!rc)
		rc = take_lock(ch, 1, err);
	/* step 3: write only over zeros or a descriptor none of whose records is live */
	if (!rc)
		rc = look_before_writing(ch, desc_size, err);
	/* step 4: only then make the file long enough */
	if (!rc)
		rc = shm_signal_file_grow(ch->file, size, err);
	if (!rc)
		rc = shm_signal_file_map(ch->file, offset + desc_size, &ch->map, err);
	/* everything that can fail happens before the first write */
	if (!rc)
		rc = shm_signal_wake_open(ch, offered, err);
	if (rc)
		return fail(ch, rc);
	ch->desc = ch->map->base + offset;
	/* spec 7.8: offered only where the head offers it too.  A head not yet published
	 * (a group publishes it last, section 5) cannot say: the attacher looks again. */
	if ((ch->offered & SHM_SIGNAL_F_GROUP_DOORBELL) && offset != 0 &&
	    (!clear_of_head(offset) || head_doorbell(ch->map->base) == 0))
		ch->offered &= ~SHM_SIGNAL_F_GROUP_DOORBELL;
	offered = ch->offered;

	/* step 5: magic = 0, fence, zero the rest */
	st32(ch->desc + D_OFF(magic), 0);
	atomic_thread_fence(memory_order_seq_cst);
	for (i = D_OFF(magic) + D_SIZE(magic); i < SHM_SIGNAL_DESC_SIZE; i++)
		st8(ch->desc + i, 0);
	shm_signal_rings_zero(ch->desc, desc_size);
	/* step 6 */
	st32(ch->desc + D_OFF(version), SHM_SIGNAL_VERSION);
	st32(ch->desc + D_OFF(desc_size), desc_size);
	st32(ch->desc + D_OFF(creator), locality);
	st64(ch->desc + D_OFF(features_offered), offered);
	st64(ch->desc + D_OFF(features_required), required);
	st64(ch->desc + D_OFF(features_accepted), 0);
	for (i = 0; i < 16; i++)
		st8(ch->desc + D_OFF(instance_id) + i, id[i]);
	st32(rec(ch, locality) + R_OFF(pid), (flags & SHM_SIGNAL_O_PID) ? pid : shm_signal_own_pid());
	st32(rec(ch, locality) + R_OFF(state), SHM_SIGNAL_STATE_ATTACHED);
	if (capacity)
		shm_signal_rings_write(ch->desc, capacity, ring_max);
	ch->published = 1;
	/* step 7: the other record is the attacher's to take */
	drop_lock(ch, other);
	/* step 8 */
	atomic_thread_fence(memory_order_release);
	st32(ch->desc + D_OFF(magic), SHM_SIGNAL_MAGIC);
	*out = ch;
	return 0;
}

/* ------------------------------------------------------ attach (6.3) */

/* An attach attempt's "not there yet, retry": not a fault code (those are 1-18, and
 * BAD_MAGIC is 1) nor an error (those are negative). */
#define RETRY 1000

/* Snapshot and validate the descriptor (spec 6.4) into d; RETRY = not there yet.
 * A desc_size beyond the mapping gets a fresh mapping when the file has grown. */
static int snap_validate(shm_signal_chan *ch, unsigned char *d, uint64_t supported,
			 struct shm_signal_error *err)
{
	int rc;
	shm_signal_snapshot(ch->desc, d, SHM_SIGNAL_DESC_SIZE);
	rc = shm_signal_validate_snapshot(d, ch->map->len, ch->offset, supported, err);
	if (rc == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL) {
		uint64_t len;
		struct shm_signal_map *m;
		if (shm_signal_file_size(ch->file, &len, NULL) != 0 || len <= ch->map->len ||
		    shm_signal_file_map(ch->file, len, &m, NULL) != 0)
			return RETRY; /* perhaps still being sized: retry until the timeout */
		shm_signal_map_release(ch->map);
		ch->map = m;
		ch->desc = m->base + ch->offset;
		shm_signal_snapshot(ch->desc, d, SHM_SIGNAL_DESC_SIZE);
		rc = shm_signal_validate_snapshot(d, ch->map->len, ch->offset, supported, err);
		if (rc == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL)
			return RETRY;
	}
	if (rc == SHM_SIGNAL_FAULT_BAD_MAGIC && shm_signal_load_le32(d + D_OFF(magic)) == 0)
		return RETRY; /* not published yet */
	return rc;
}

/* One attach attempt (spec 6.3); RETRY = not there yet (err says why), else 0, a fault
 * or an error. */
static int attach_once(shm_signal_chan *ch, const char *path, uint64_t supported, uint32_t flags,
		       uint32_t pid, struct shm_signal_error *err)
{
	unsigned char s1[SHM_SIGNAL_DESC_SIZE], s2[SHM_SIGNAL_DESC_SIZE];
	uint64_t len, offered, accepted;
	uint32_t creator, a, state;
	int rc = shm_signal_file_open(&ch->file, path, 0, 0, 0, err);
	if (rc == 1) {
		set_err(err, SHM_SIGNAL_E_TIMEOUT, "path", -1, NULL, NULL, "%s: no file to attach to", path);
		return RETRY;
	}
	if (rc)
		return rc;
	rc = shm_signal_file_size(ch->file, &len, err);
	if (rc)
		return rc;
	if (ch->offset > len || len - ch->offset < SHM_SIGNAL_DESC_SIZE) {
		/* empty or short: maybe still being sized by the creator */
		set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", (int64_t)ch->offset,
			"offset + 192", NULL, "the file (%llu bytes) ends before the descriptor does",
			(unsigned long long)len);
		return RETRY;
	}
	rc = shm_signal_file_map(ch->file, ch->offset + SHM_SIGNAL_DESC_SIZE, &ch->map, err);
	if (rc)
		return rc == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL ? RETRY : rc;
	ch->desc = ch->map->base + ch->offset;
	/* step 1: S1, and the locality it implies */
	rc = snap_validate(ch, s1, supported, err);
	if (rc)
		return rc;
	creator = shm_signal_load_le32(s1 + D_OFF(creator));
	a = 1 - creator;
	/* step 2: the lock of record A, whatever LIVENESS_LOCK says */
	rc = take_lock(ch, a, err);
	if (rc)
		return rc;
	/* step 3: S2; from here on only S2 decides, and every store goes to an offset fixed
	 * by a in {0, 1} */
	rc = snap_validate(ch, s2, supported, err);
	if (rc)
		return rc;
	if (shm_signal_load_le32(s2 + D_OFF(creator)) != creator) {
		set_err(err, SHM_SIGNAL_FAULT_BAD_LOCALITY, "creator", D_AT(creator),
			"the same creator in both snapshots", NULL, "creator changed during the attach");
		return RETRY;
	}
	/* step 4: the set to accept (a re-attach keeps the session's: the creator read it
	 * once), then a live owner keeps its record */
	state = shm_signal_load_le32(s2 + OFF_IRQ(a) + R_OFF(state));
	offered = shm_signal_load_le64(s2 + D_OFF(features_offered));
	accepted = offered & supported;
	if (state != SHM_SIGNAL_STATE_EMPTY) {
		accepted = shm_signal_load_le64(s2 + D_OFF(features_accepted));
		if (accepted & ~supported)
			return fault_at(err, SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE, "features_accepted",
					D_AT(features_accepted),
					"a re-attach keeps the negotiated features, and some of them "
					"are not supported here", "a subset of supported", accepted);
	} else if (accepted & SHM_SIGNAL_F_GROUP_DOORBELL) {
		/* [R6.3-4]: with WAKE_ADDRESS and WAITER_FLAG, and a head that offers it
		 * (at offset 0 the head is S2 itself, and offers it) */
		accepted = doorbell_needs(accepted);
		if (ch->offset != 0 && (!clear_of_head(ch->offset) || head_doorbell(ch->map->base) != 1))
			accepted &= ~SHM_SIGNAL_F_GROUP_DOORBELL;
	}
	if (state == SHM_SIGNAL_STATE_ATTACHED && !(accepted & SHM_SIGNAL_F_LIVENESS_LOCK))
		return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, state_field[a],
			       R_AT(a, state), "0 or 2", "1",
			       "the locality is attached (no liveness lock to prove it dead)");
	ch->locality = a;
	ch->remote = creator;
	ch->desc_size = shm_signal_load_le32(s2 + D_OFF(desc_size));
	ch->supported = supported;
	ch->offered = offered;
	ch->features = accepted;
	ch->negotiated = 1;
	ch->peer_seen = 1; /* S2: the creator's record is not empty (6.4 rule 11) */
	memcpy(ch->instance_id, s2 + D_OFF(instance_id), 16);
	/* step 5: everything that can fail */
	rc = shm_signal_wake_open(ch, ch->features, err);
	if (rc)
		return rc;
	/* step 6 */
	st64(ch->desc + D_OFF(features_accepted), ch->features);
	st32(rec(ch, a) + R_OFF(pid), (flags & SHM_SIGNAL_O_PID) ? pid : shm_signal_own_pid());
	atomic_thread_fence(memory_order_release);
	st32(rec(ch, a) + R_OFF(state), SHM_SIGNAL_STATE_ATTACHED);
	ch->published = 1;
	atomic_thread_fence(memory_order_seq_cst);
	/* spec 7.5: wake the creator once, so one parked before the attach re-reads the
	 * negotiated features (and starts using WAITER_FLAG); 7.8: on its doorbell too */
	shm_signal_notify(ch, ch->remote);
	if (ch->features & SHM_SIGNAL_F_GROUP_DOORBELL)
		shm_signal_ring(ch, ch->remote);
	return 0;
}

int shm_signal_attach(shm_signal_chan **out, const char *path, uint64_t offset, uint64_t features,
		      uint32_t flags, uint32_t pid, double timeout_s, struct shm_signal_error *err)
{
	uint64_t supported = (flags & SHM_SIGNAL_O_FEATURES) ? features : shm_signal_supported_features();
	double deadline;
	struct shm_signal_error local;
	int rc;
	if (!err)
		err = &local; /* the last fault seen is the answer at the timeout */
	memset(err, 0, sizeof *err);
	if (!out || !path)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "out and path are required");
	*out = NULL;
	if (isnan(timeout_s))
		return set_err(err, SHM_SIGNAL_E_ARG, "timeout_s", -1, "a number of seconds", "nan",
			       "the timeout is not a number");
	rc = check_offset(offset, err);
	if (rc)
		return rc;
	/* < 0: no limit, as for every other timeout of this API */
	deadline = timeout_s < 0 ? (double)INFINITY : shm_signal_now_s() + timeout_s;
	for (;;) {
		shm_signal_chan *ch = chan_new();
		double now;
		if (!ch)
			return set_err(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
		ch->offset = offset;
		rc = attach_once(ch, path, supported, flags, pid, err);
		if (rc == 0) {
			*out = ch;
			return 0;
		}
		shm_signal_chan_free(ch);
		if (rc != RETRY)
			return rc;
		now = shm_signal_now_s();
		if (now >= deadline)
			return err->code; /* the last reason to retry: missing, short, unpublished */
		shm_signal_sleep_s(deadline - now < 0.005 ? deadline - now : 0.005);
	}
}

/* ------------------------------------------------- negotiation (6.2) */

/* The creator learns the negotiated set when the attacher's state reads attached
 * (spec 6.2): state, acquire fence, features_accepted; checked against what it wrote.
 * 0, or BAD_FEATURES (the set is then not used, and looked at again next time). */
int shm_signal_refresh_features(shm_signal_chan *ch, struct shm_signal_error *err)
{
	uint64_t acc;
	if (ch->negotiated || !ch->is_creator ||
	    ld32(rec(ch, ch->remote) + R_OFF(state)) != SHM_SIGNAL_STATE_ATTACHED)
		return 0;
	ch->peer_seen = 1;
	atomic_thread_fence(memory_order_acquire); /* pairs with the attacher's release (6.3) */
	acc = ld64(ch->desc + D_OFF(features_accepted));
	if ((acc & ~ch->offered) || (ch->required & ~acc))
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_accepted",
				D_AT(features_accepted),
				"the attacher accepted a feature that was not offered, or not one "
				"that is required",
				"required <= accepted <= offered", acc);
	ch->features = acc;
	ch->negotiated = 1;
	return 0;
}
