/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_validate.c - descriptor validation (docs/spec.md 6.4): one snapshot of
 * the descriptor's bytes, magic first, then the rules in the order of the spec, the
 * first failure being the answer.  shm_signal_validate is the API's entry; the
 * attach (shm_signal_handshake.c) validates its snapshots here too.
 */
#include "shm_signal_internal.h"

#include <stdio.h>

/* Copy `n` (<= 192) descriptor bytes from the mapping: the magic first, an acquire
 * fence, then the rest (spec 6.4; the creator's fence before its magic store is the
 * other half), so a snapshot with a valid magic holds all the creator wrote before. */
void shm_signal_snapshot(const unsigned char *desc, unsigned char *d, unsigned n)
{
	unsigned i;
	for (i = 0; i < n && i < D_OFF(magic) + D_SIZE(magic); i++)
		d[i] = ld8(desc + i);
	atomic_thread_fence(memory_order_acquire);
	for (; i < n; i++)
		d[i] = ld8(desc + i);
}

/* Rules 3-13 of spec 6.4 on a snapshot `d`; `len` is the mapping's length and rules 1
 * and 2 (offset aligned, offset + 192 <= len) hold. */
int shm_signal_validate_snapshot(const unsigned char *d, uint64_t len, uint64_t offset, uint64_t supported,
				 struct shm_signal_error *err)
{
	static const size_t flag_off[3] = {R_OFF(enabled), R_OFF(pending), R_OFF(dirty)};
	uint32_t magic, version, size, creator, loc, i;
	uint64_t offered, required, accepted;
	uint32_t attacher_state;
	unsigned pad0_top;
	char field[40];

	magic = shm_signal_load_le32(d + D_OFF(magic));
	if (magic != SHM_SIGNAL_MAGIC)
		return fault_at(err, magic == SHM_SIGNAL_MAGIC_SWAPPED ? SHM_SIGNAL_FAULT_BYTE_SWAPPED
								       : SHM_SIGNAL_FAULT_BAD_MAGIC,
				"magic", D_AT(magic), "bad magic", "0x58fa39df", magic);
	version = shm_signal_load_le32(d + D_OFF(version));
	if (version != SHM_SIGNAL_VERSION)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_VERSION, "version", D_AT(version),
				"unsupported major version", "1", version);
	size = shm_signal_load_le32(d + D_OFF(desc_size));
	if (size < SHM_SIGNAL_DESC_SIZE || size % SHM_SIGNAL_DESC_ALIGN)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_SIZE, "desc_size", D_AT(desc_size),
				"desc_size must be >= 192 and a multiple of 64",
				">= 192, multiple of 64", size);
	/* rule 5, MESSAGE_RINGS: room for the descriptor and two rings of 64 data bytes */
	if ((shm_signal_load_le64(d + D_OFF(features_offered)) & SHM_SIGNAL_F_MESSAGE_RINGS) &&
	    size < RINGS_MIN_DESC_SIZE)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_SIZE, "desc_size", D_AT(desc_size),
				"with MESSAGE_RINGS offered, desc_size must hold two rings (>= 704)",
				">= 704 with MESSAGE_RINGS", size);
	if (len - offset < size) /* offset <= len - 192: no overflow */
		return fault_at(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length",
				(int64_t)offset, "the mapping ends before offset + desc_size",
				"offset + desc_size", len);
	creator = shm_signal_load_le32(d + D_OFF(creator));
	if (creator > 1)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_LOCALITY, "creator", D_AT(creator),
				"creator must be 0 (north) or 1 (south)", "0 or 1", creator);
	offered = shm_signal_load_le64(d + D_OFF(features_offered));
	pad0_top = (offered & SHM_SIGNAL_F_GROUP_DOORBELL) ? 3 : 1;
	/* must-be-zero bytes in memory order */
	if (shm_signal_load_le64(d + D_OFF(reserved0)))
		return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, "reserved0", D_AT(reserved0),
				"reserved bytes must be zero", "0",
				shm_signal_load_le64(d + D_OFF(reserved0)));
	for (loc = 0; loc < 2; loc++) {
		const unsigned char *r = d + OFF_IRQ(loc);
		/* spec 6.4 rule 8: with WAITER_FLAG offered, pad0 is a waiting byte: 0 or 1,
		 * 0 to 3 with GROUP_DOORBELL too */
		if ((offered & SHM_SIGNAL_F_WAITER_FLAG) && r[R_OFF(pad0)] > pad0_top) {
			snprintf(field, sizeof field, "irq[%u].pad0", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_BAD_FLAG, field, R_AT(loc, pad0),
					pad0_top == 1 ? "with WAITER_FLAG, pad0 is a waiting byte: 0 to 1"
						      : "with WAITER_FLAG and GROUP_DOORBELL, pad0 is a "
							"waiting byte: 0 to 3",
					pad0_top == 1 ? "0 to 1" : "0 to 3", r[R_OFF(pad0)]);
		}
		if (r[R_OFF(pad0)] && !(offered & SHM_SIGNAL_F_WAITER_FLAG)) {
			snprintf(field, sizeof field, "irq[%u].pad0", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
					R_AT(loc, pad0), "reserved bytes must be zero", "0",
					r[R_OFF(pad0)]);
		}
		if (shm_signal_load_le32(r + R_OFF(reserved0))) {
			snprintf(field, sizeof field, "irq[%u].reserved0", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
					R_AT(loc, reserved0), "reserved bytes must be zero",
					"0", shm_signal_load_le32(r + R_OFF(reserved0)));
		}
		/* GROUP_DOORBELL offered: doorbell is a counter, any value */
		if (!(offered & SHM_SIGNAL_F_GROUP_DOORBELL) && shm_signal_load_le32(r + R_OFF(doorbell))) {
			snprintf(field, sizeof field, "irq[%u].doorbell", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
					R_AT(loc, doorbell), "reserved bytes must be zero",
					"0", shm_signal_load_le32(r + R_OFF(doorbell)));
		}
		if (shm_signal_load_le32(r + R_OFF(reserved2))) {
			snprintf(field, sizeof field, "irq[%u].reserved2", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
					R_AT(loc, reserved2), "reserved bytes must be zero",
					"0", shm_signal_load_le32(r + R_OFF(reserved2)));
		}
		for (i = 0; i < R_SIZE(reserved3) / sizeof(uint64_t); i++) {
			size_t at = R_OFF(reserved3) + sizeof(uint64_t) * i;
			uint64_t v = shm_signal_load_le64(r + at);
			if (v) {
				snprintf(field, sizeof field, "irq[%u].reserved3[%u]", loc, i);
				return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
						(int64_t)(OFF_IRQ(loc) + at),
						"reserved bytes must be zero", "0", v);
			}
		}
	}
	for (i = 0; i < D_SIZE(instance_id) && d[D_OFF(instance_id) + i] == 0; i++) {
	}
	if (i == D_SIZE(instance_id))
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_INSTANCE_ID, "instance_id", D_AT(instance_id),
				"instance_id is all zero", "not all zero", 0);
	for (loc = 0; loc < 2; loc++) {
		static const char *const flags[3] = {"enabled", "pending", "dirty"};
		const unsigned char *r = d + OFF_IRQ(loc);
		uint32_t state = shm_signal_load_le32(r + R_OFF(state));
		for (i = 0; i < 3; i++) {
			if (r[flag_off[i]] > 1) {
				snprintf(field, sizeof field, "irq[%u].%s", loc, flags[i]);
				return fault_at(err, SHM_SIGNAL_FAULT_BAD_FLAG, field,
						(int64_t)(OFF_IRQ(loc) + flag_off[i]),
						"flag bytes hold 0 or 1", "0 or 1", r[flag_off[i]]);
			}
		}
		if (state > SHM_SIGNAL_STATE_CLOSED)
			return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, state_field[loc],
					R_AT(loc, state), "state must be 0, 1 or 2",
					"0, 1 or 2", state);
	}
	if (shm_signal_load_le32(d + OFF_IRQ(creator) + R_OFF(state)) == SHM_SIGNAL_STATE_EMPTY)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, state_field[creator],
				R_AT(creator, state),
				"the creator's record was never attached", "1 or 2", 0);
	required = shm_signal_load_le64(d + D_OFF(features_required));
	accepted = shm_signal_load_le64(d + D_OFF(features_accepted));
	attacher_state = shm_signal_load_le32(d + OFF_IRQ(1 - creator) + R_OFF(state));
	if (required & ~offered)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_required",
				D_AT(features_required),
				"features_required is not a subset of features_offered",
				"subset of features_offered", required);
	if ((accepted & ~offered) ||
	    (attacher_state != SHM_SIGNAL_STATE_EMPTY && (required & ~accepted)) ||
	    (attacher_state == SHM_SIGNAL_STATE_EMPTY && accepted))
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_accepted",
				D_AT(features_accepted),
				"features_accepted must be 0 before an attach, else between "
				"required and offered",
				"required <= accepted <= offered", accepted);
	/* rule 12, GROUP_DOORBELL: never required; offered and accepted only with
	 * WAKE_ADDRESS and WAITER_FLAG */
	if (required & SHM_SIGNAL_F_GROUP_DOORBELL)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_required",
				D_AT(features_required), "GROUP_DOORBELL is never required",
				"0x20 clear", required);
	if ((offered & SHM_SIGNAL_F_GROUP_DOORBELL) &&
	    (offered & SHM_SIGNAL_DOORBELL_NEEDS) != SHM_SIGNAL_DOORBELL_NEEDS)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_offered",
				D_AT(features_offered),
				"GROUP_DOORBELL is offered only with WAKE_ADDRESS and WAITER_FLAG",
				"0x11 set", offered);
	if (attacher_state != SHM_SIGNAL_STATE_EMPTY && (accepted & SHM_SIGNAL_F_GROUP_DOORBELL) &&
	    (accepted & SHM_SIGNAL_DOORBELL_NEEDS) != SHM_SIGNAL_DOORBELL_NEEDS)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_accepted",
				D_AT(features_accepted),
				"GROUP_DOORBELL is accepted only with WAKE_ADDRESS and WAITER_FLAG",
				"0x11 set", accepted);
	if (required & ~supported)
		return fault_at(err, SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE, "features_required",
				D_AT(features_required),
				"a required feature is not implemented here", "subset of supported",
				required);
	return 0;
}

int shm_signal_validate(const void *mapping, uint64_t len, uint64_t offset, uint64_t supported,
			struct shm_signal_error *err)
{
	unsigned char d[SHM_SIGNAL_DESC_SIZE];
	if (offset % SHM_SIGNAL_DESC_ALIGN) /* -1 as in check_offset: no int64_t holds it */
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_OFFSET, "offset",
				offset > (uint64_t)INT64_MAX ? -1 : (int64_t)offset,
				"descriptor offset is not a multiple of 64", "multiple of 64", offset);
	if (offset > len || len - offset < SHM_SIGNAL_DESC_SIZE) /* never offset + 192: it wraps */
		return fault_at(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length",
				offset > (uint64_t)INT64_MAX ? -1 : (int64_t)offset,
				"the mapping ends before the descriptor does", "offset + 192", len);
	if (!mapping)
		return set_err(err, SHM_SIGNAL_E_ARG, "mapping", -1, NULL, NULL, "mapping is NULL");
	/* One snapshot: a peer rewriting the bytes cannot pass one check and fail another. */
	shm_signal_snapshot((const unsigned char *)mapping + offset, d, SHM_SIGNAL_DESC_SIZE);
	return shm_signal_validate_snapshot(d, len, offset, supported, err);
}
