/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_ring.c - message rings (docs/spec.md section 15): init, open,
 * the producer's send (15.3) and the consumer's recv (15.4).
 *
 * Every byte the two engines write is fixed by the spec's steps, so the Python
 * engine's ring leaves the same bytes for the same calls: init writes only the
 * header; a padding record only its 8-byte header (its body is never written); a
 * message its payload, zeros up to the next multiple of 8, then length and kind.
 * The region is shared with a peer that may be hostile: its bytes are read with
 * relaxed atomics (a racing peer gives odd values, never undefined behaviour), each
 * field once into our own memory before it is checked, and every offset used comes
 * from our own copies of capacity and head or tail, so no access leaves
 * [region, region + 192 + capacity).
 */
#include "shm_signal_internal.h"

#include <stdio.h>

#define HDR SHM_SIGNAL_RING_HEADER
#define OFF_CAP SHM_SIGNAL_RING_OFF_CAPACITY
#define OFF_MAX SHM_SIGNAL_RING_OFF_MAX_MESSAGE
#define OFF_HEAD SHM_SIGNAL_RING_OFF_HEAD
#define OFF_TAIL SHM_SIGNAL_RING_OFF_TAIL
#define KIND_MESSAGE SHM_SIGNAL_RING_KIND_MESSAGE
#define KIND_PADDING SHM_SIGNAL_RING_KIND_PADDING
#define BAD_RING SHM_SIGNAL_FAULT_BAD_RING

/* A record's size: its header and its payload rounded up to 8 (15.2).  The caller
 * has bounded `length` by max_message (< 2^30): no overflow. */
static uint32_t record_size(uint32_t length)
{
	return 8u + ((length + 7u) & ~7u);
}

int shm_signal_ring_capacity_ok(uint32_t c)
{
	return c >= SHM_SIGNAL_RING_MIN_CAPACITY && c <= SHM_SIGNAL_RING_MAX_CAPACITY && (c & (c - 1)) == 0;
}

/* Refuse the ring: record the fault in the handle, which returns it from now on. */
static int ring_fault(struct shm_signal_ring *r, struct shm_signal_error *err, const char *field, uint32_t off,
		      const char *msg, const char *expected, uint32_t actual)
{
	fault_at(&r->fault_err, BAD_RING, field, (int64_t)off, msg, expected, actual);
	r->fault = BAD_RING;
	r->base = NULL; /* nothing reaches the region again */
	if (err)
		*err = r->fault_err;
	return BAD_RING;
}

int shm_signal_ring_refuse(struct shm_signal_ring *r, struct shm_signal_error *err, const char *field,
			   uint32_t off, const char *msg, const char *expected, uint32_t actual)
{
	memset(r, 0, sizeof *r);
	return ring_fault(r, err, field, off, msg, expected, actual);
}

/* Step 1 of 15.3 and 15.4: load the other side's index (tail for the producer, head
 * for the consumer), then acquire, so that what follows comes after the other side's
 * stores before it: a multiple of 8, with at most capacity bytes in use between it
 * and ours (R15-4, R15-6; else "free" would wrap and a producer would write over
 * unread data, a consumer read past what is published).  The bytes in use in *used. */
static int load_other(struct shm_signal_ring *r, struct shm_signal_error *err, uint32_t *used)
{
	char want[64];
	int producer = r->role == SHM_SIGNAL_RING_PRODUCER;
	uint32_t off = producer ? OFF_TAIL : OFF_HEAD, mine = r->pos, other;
	const char *field = producer ? "tail" : "head";
	other = ld32(r->base + off);
	atomic_thread_fence(memory_order_acquire);
	*used = producer ? mine - other : other - mine;
	if (other % 8)
		return ring_fault(r, err, field, off, producer ? "tail must be a multiple of 8"
							       : "head must be a multiple of 8",
				  "a multiple of 8", other);
	if (*used > r->capacity) {
		if (producer)
			snprintf(want, sizeof want, "head - 0x%lx to head (0x%lx)", (unsigned long)r->capacity,
				 (unsigned long)mine);
		else
			snprintf(want, sizeof want, "tail to tail + 0x%lx (0x%lx)", (unsigned long)r->capacity,
				 (unsigned long)mine);
		return ring_fault(r, err, field, off, "more than capacity bytes in use", want, other);
	}
	return 0;
}

/* 0 if `r` is open as `role` and not refused; else what the call returns. */
static int usable(struct shm_signal_ring *r, int role, struct shm_signal_error *err)
{
	if (!r)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL, "no ring handle");
	if (r->fault) {
		if (err)
			*err = r->fault_err;
		return r->fault;
	}
	if (!r->base)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL, "the ring is not open");
	if (r->role != role)
		return set_err(err, SHM_SIGNAL_E_ARG, "role", -1,
			       role == SHM_SIGNAL_RING_PRODUCER ? "producer" : "consumer",
			       r->role == SHM_SIGNAL_RING_PRODUCER ? "producer" : "consumer",
			       role == SHM_SIGNAL_RING_PRODUCER ? "only the producer sends"
							       : "only the consumer receives");
	return 0;
}

/* Payload copies are plain memcpy, at memory speed: the engine decides nothing from
 * payload bytes (indices and record headers, which it does decide from, are single
 * atomic loads and stores), so a hostile peer writing them meanwhile can only make
 * the bytes odd, which 15.4 leaves to the caller.  The producer's bytes are not
 * published before its release fence and head store; the consumer's copy is done
 * before its release fence and tail store. */
static void copy_bytes(unsigned char *dst, const unsigned char *src, uint32_t n)
{
	if (n)
		memcpy(dst, src, n);
}

void shm_signal_ring_write_header(unsigned char *b, uint32_t capacity, uint32_t max_message)
{
	uint32_t i;
	st32(b + OFF_CAP, capacity);
	st32(b + OFF_MAX, max_message);
	for (i = OFF_MAX + 4; i < HDR; i += 4) /* reserved0, head, reserved1, tail, reserved2 */
		st32(b + i, 0);
}

int shm_signal_ring_init(void *region, size_t region_len, uint32_t capacity, uint32_t max_message,
			 struct shm_signal_error *err)
{
	unsigned char *b = (unsigned char *)region;
	char want[48];
	if (!b || (uintptr_t)b % SHM_SIGNAL_RING_ALIGN)
		return set_err(err, SHM_SIGNAL_E_ARG, "region", -1, "64-byte aligned", NULL,
			       "the region must be 64-byte aligned");
	if (!shm_signal_ring_capacity_ok(capacity))
		return set_err(err, SHM_SIGNAL_E_ARG, "capacity", -1, "a power of two, 64 to 2^30", NULL,
			       "capacity %lu is not a power of two from 64 to 2^30", (unsigned long)capacity);
	if (max_message < 1 || max_message > capacity - 8) {
		snprintf(want, sizeof want, "1 to %lu", (unsigned long)(capacity - 8));
		return set_err(err, SHM_SIGNAL_E_ARG, "max_message", -1, want, NULL,
			       "max_message %lu is not %s (capacity - 8)", (unsigned long)max_message, want);
	}
	if (region_len < HDR || region_len - HDR < capacity)
		return set_err(err, SHM_SIGNAL_E_ARG, "region_len", -1, "192 + capacity", NULL,
			       "a region of %llu bytes cannot hold 192 + %lu", (unsigned long long)region_len,
			       (unsigned long)capacity);
	shm_signal_ring_write_header(b, capacity, max_message);
	atomic_thread_fence(memory_order_release); /* R15-2: an opener that sees the magic sees the rest */
	st32(b, SHM_SIGNAL_RING_MAGIC);
	return 0;
}

int shm_signal_ring_open(struct shm_signal_ring *r, void *region, size_t region_len, int role,
			 struct shm_signal_error *err)
{
	static const char *const reserved[3] = {"reserved0", "reserved1", "reserved2"};
	const unsigned char *b = (const unsigned char *)region;
	unsigned char h[HDR];
	uint32_t magic, cap, max, head, tail, i;
	char want[48];
	if (!r)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL, "no ring handle");
	memset(r, 0, sizeof *r);
	if (!b || (uintptr_t)b % SHM_SIGNAL_RING_ALIGN)
		return set_err(err, SHM_SIGNAL_E_ARG, "region", -1, "64-byte aligned", NULL,
			       "the region must be 64-byte aligned");
	if (region_len < HDR)
		return set_err(err, SHM_SIGNAL_E_ARG, "region_len", -1, ">= 192", NULL,
			       "a region of %llu bytes has no room for the ring's header",
			       (unsigned long long)region_len);
	if (role != SHM_SIGNAL_RING_PRODUCER && role != SHM_SIGNAL_RING_CONSUMER)
		return set_err(err, SHM_SIGNAL_E_ARG, "role", -1, "0 or 1", NULL, "role %d is neither producer "
			       "nor consumer", role);
	/* One snapshot: the magic, an acquire fence (the creator's release before its
	 * magic is the other half), then the rest; decided from our copy alone. */
	for (i = 0; i < 4; i++)
		h[i] = ld8(b + i);
	atomic_thread_fence(memory_order_acquire);
	for (; i < HDR; i++)
		h[i] = ld8(b + i);
	magic = shm_signal_load_le32(h);
	cap = shm_signal_load_le32(h + OFF_CAP);
	max = shm_signal_load_le32(h + OFF_MAX);
	head = shm_signal_load_le32(h + OFF_HEAD);
	tail = shm_signal_load_le32(h + OFF_TAIL);
	if (magic != SHM_SIGNAL_RING_MAGIC)
		return ring_fault(r, err, "magic", 0, "not a ring (or not published yet)", "0x676e6972", magic);
	if (!shm_signal_ring_capacity_ok(cap))
		return ring_fault(r, err, "capacity", OFF_CAP, "capacity must be a power of two from 64 to 2^30",
				  "power of two, 0x40 to 0x40000000", cap);
	if (max < 1 || max > cap - 8) {
		snprintf(want, sizeof want, "0x1 to 0x%lx", (unsigned long)(cap - 8));
		return ring_fault(r, err, "max_message", OFF_MAX, "max_message must be 1 to capacity - 8", want,
				  max);
	}
	for (i = OFF_MAX + 4; i < HDR; i++) {
		if (i >= OFF_HEAD && i < OFF_HEAD + 4)
			continue;
		if (i >= OFF_TAIL && i < OFF_TAIL + 4)
			continue;
		if (h[i])
			return ring_fault(r, err, reserved[i < OFF_HEAD ? 0 : i < OFF_TAIL ? 1 : 2], i,
					  "reserved bytes must be zero", "0", h[i]);
	}
	if (region_len - HDR < cap) {
		snprintf(want, sizeof want, "<= 0x%llx (region_len - 192)", (unsigned long long)(region_len - HDR));
		return ring_fault(r, err, "capacity", OFF_CAP, "the region ends before the data area does", want,
				  cap);
	}
	if (head % 8)
		return ring_fault(r, err, "head", OFF_HEAD, "head must be a multiple of 8", "a multiple of 8",
				  head);
	if (tail % 8)
		return ring_fault(r, err, "tail", OFF_TAIL, "tail must be a multiple of 8", "a multiple of 8",
				  tail);
	if (head - tail > cap) { /* R15-1; the other side's index is the one to blame */
		if (role == SHM_SIGNAL_RING_PRODUCER) {
			snprintf(want, sizeof want, "head - 0x%lx to head (0x%lx)", (unsigned long)cap,
				 (unsigned long)head);
			return ring_fault(r, err, "tail", OFF_TAIL, "more than capacity bytes in use", want, tail);
		}
		snprintf(want, sizeof want, "tail to tail + 0x%lx (0x%lx)", (unsigned long)cap, (unsigned long)tail);
		return ring_fault(r, err, "head", OFF_HEAD, "more than capacity bytes in use", want, head);
	}
	r->base = (unsigned char *)region;
	r->capacity = cap;
	r->max_message = max;
	r->pos = role == SHM_SIGNAL_RING_PRODUCER ? head : tail;
	r->role = role;
	return 0;
}

/* 15.3 steps 1-3 for an n-byte message: the data offset of its record in *at, with
 * the padding before it published if it needed one; E_FULL when there is no room. */
static int room(struct shm_signal_ring *r, uint32_t n, struct shm_signal_error *err, uint32_t *at)
{
	unsigned char *b, *data;
	uint32_t cap, head, used, p, size, to_end;
	char want[48];
	int rc = usable(r, SHM_SIGNAL_RING_PRODUCER, err);
	if (rc)
		return rc;
	if (r->holding)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL,
			       "commit or cancel the reservation in hand first");
	if (n > r->max_message) {
		snprintf(want, sizeof want, "<= %lu (max_message)", (unsigned long)r->max_message);
		return set_err(err, SHM_SIGNAL_E_ARG, "n", -1, want, NULL, "a message of %lu bytes: n must be %s",
			       (unsigned long)n, want);
	}
	b = r->base;
	data = b + HDR;
	cap = r->capacity;
	head = r->pos;
	/* 1. tail, then acquire: the consumer's reads of what it released come before
	 * our writes over it. */
	rc = load_other(r, err, &used);
	if (rc)
		return rc;
	size = record_size(n);
	p = head & (cap - 1);
	to_end = cap - p;
	/* 2. Not before the end: pad to the end if those bytes are free (p != 0 here:
	 * size <= 8 + max_message rounded up <= capacity). */
	if (size > to_end) {
		if (cap - used < to_end)
			return set_err(err, SHM_SIGNAL_E_FULL, NULL, -1, NULL, NULL, "the ring is full");
		st32(data + p, to_end - 8); /* only the header: the body is never read */
		st32(data + p + 4, KIND_PADDING);
		atomic_thread_fence(memory_order_release);
		head += to_end;
		st32(b + OFF_HEAD, head);
		r->pos = head;
		used += to_end;
		p = 0;
	}
	/* 3. */
	if (cap - used < size)
		return set_err(err, SHM_SIGNAL_E_FULL, NULL, -1, NULL, NULL, "the ring is full");
	*at = p;
	return 0;
}

/* 15.3 step 4 after the payload at data offset p: zeros to the next multiple of 8,
 * length and kind, a release fence, the new head (R15-5). */
static void publish(struct shm_signal_ring *r, uint32_t p, uint32_t n)
{
	unsigned char *data = r->base + HDR;
	uint32_t size = record_size(n);
	memset(data + p + 8 + n, 0, size - 8 - n);
	st32(data + p, n);
	st32(data + p + 4, KIND_MESSAGE);
	atomic_thread_fence(memory_order_release);
	r->pos += size;
	st32(r->base + OFF_HEAD, r->pos);
}

int shm_signal_ring_send(struct shm_signal_ring *r, const void *msg, uint32_t n, struct shm_signal_error *err)
{
	uint32_t p;
	int rc;
	if (!msg && n)
		return set_err(err, SHM_SIGNAL_E_ARG, "msg", -1, NULL, NULL, "no message bytes");
	rc = room(r, n, err, &p);
	if (rc)
		return rc;
	copy_bytes(r->base + HDR + p + 8, (const unsigned char *)msg, n);
	publish(r, p, n);
	return 0;
}

int shm_signal_ring_reserve(struct shm_signal_ring *r, uint32_t n, void **out, struct shm_signal_error *err)
{
	uint32_t p;
	int rc;
	if (!out)
		return set_err(err, SHM_SIGNAL_E_ARG, "out", -1, NULL, NULL, "no place for the pointer");
	*out = NULL;
	rc = room(r, n, err, &p);
	if (rc)
		return rc;
	r->holding = 1;
	r->held_at = p;
	r->held_len = n;
	*out = r->base + HDR + p + 8;
	return 0;
}

int shm_signal_ring_commit(struct shm_signal_ring *r, uint32_t n, struct shm_signal_error *err)
{
	char want[32];
	int rc = usable(r, SHM_SIGNAL_RING_PRODUCER, err);
	if (rc)
		return rc;
	if (!r->holding)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL, "no reservation in hand");
	if (n != SHM_SIGNAL_RING_CANCEL && n > r->held_len) {
		snprintf(want, sizeof want, "<= %lu (reserved)", (unsigned long)r->held_len);
		return set_err(err, SHM_SIGNAL_E_ARG, "n", -1, want, NULL, "commit of %lu bytes: n must be %s",
			       (unsigned long)n, want);
	}
	r->holding = 0;
	if (n != SHM_SIGNAL_RING_CANCEL)
		publish(r, r->held_at, n);
	return 0;
}

/* 15.4 steps 1-2: the next message's data offset and length (releasing a padding
 * record before it on the way, with its own tail store); E_EMPTY when none. */
static int next_message(struct shm_signal_ring *r, struct shm_signal_error *err, uint32_t *at_p,
			uint32_t *len)
{
	unsigned char *b, *data;
	uint32_t cap, tail, used, p, length, kind, size, at, i;
	char want[48];
	int rc = usable(r, SHM_SIGNAL_RING_CONSUMER, err);
	if (rc)
		return rc;
	if (r->holding)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL, "release the message in hand first");
	b = r->base;
	data = b + HDR;
	cap = r->capacity;
	tail = r->pos;
	/* 1. head, then acquire: the records it publishes are visible below. */
	rc = load_other(r, err, &used);
	if (rc)
		return rc;
	/* 2.  At most a padding record, then a message at data offset 0 (where padding
	 * is refused): two rounds. */
	for (i = 0; i < 2 && used; i++) {
		p = tail & (cap - 1);
		at = HDR + p; /* the record's offset in the region, for reports */
		length = ld32(data + p);
		kind = ld32(data + p + 4);
		if (kind == KIND_PADDING) {
			if (p == 0)
				return ring_fault(r, err, "kind", at + 4, "padding at data offset 0",
						  "0 (a message) at data offset 0", kind);
			if (length != cap - p - 8) {
				snprintf(want, sizeof want, "0x%lx (to the end of the data area)",
					 (unsigned long)(cap - p - 8));
				return ring_fault(r, err, "length", at, "padding must fill the data area to its end",
						  want, length);
			}
			if (used < cap - p) {
				snprintf(want, sizeof want, "<= 0x%lx (head - tail - 8)", (unsigned long)(used - 8));
				return ring_fault(r, err, "length", at, "padding reaches beyond head", want, length);
			}
			atomic_thread_fence(memory_order_release); /* our reads before the producer's reuse */
			tail += cap - p;
			st32(b + OFF_TAIL, tail);
			r->pos = tail;
			used -= cap - p;
			continue;
		}
		if (kind != KIND_MESSAGE)
			return ring_fault(r, err, "kind", at + 4, "not a record kind", "0 or 1", kind);
		if (length > r->max_message) {
			snprintf(want, sizeof want, "<= 0x%lx (max_message)", (unsigned long)r->max_message);
			return ring_fault(r, err, "length", at, "a message longer than max_message", want, length);
		}
		size = record_size(length);
		if (size > cap - p) { /* R15-3 */
			snprintf(want, sizeof want, "<= 0x%lx (to the end of the data area)",
				 (unsigned long)(cap - p - 8));
			return ring_fault(r, err, "length", at, "a message crossing the end of the data area", want,
					  length);
		}
		if (size > used) {
			snprintf(want, sizeof want, "<= 0x%lx (head - tail - 8)", (unsigned long)(used - 8));
			return ring_fault(r, err, "length", at, "a message reaching beyond head", want, length);
		}
		*at_p = p;
		*len = length;
		return 0;
	}
	return set_err(err, SHM_SIGNAL_E_EMPTY, NULL, -1, NULL, NULL, "the ring is empty");
}

/* 15.4 step 3: a release fence (our reads of the record come first), the new tail. */
static void release_record(struct shm_signal_ring *r, uint32_t length)
{
	atomic_thread_fence(memory_order_release); /* R15-8 */
	r->pos += record_size(length);
	st32(r->base + OFF_TAIL, r->pos);
}

int shm_signal_ring_recv(struct shm_signal_ring *r, void *buf, uint32_t buf_len, uint32_t *n,
			 struct shm_signal_error *err)
{
	uint32_t p, length;
	char want[32];
	int rc;
	if (!n)
		return set_err(err, SHM_SIGNAL_E_ARG, "n", -1, NULL, NULL, "no place for the length");
	*n = 0;
	rc = next_message(r, err, &p, &length);
	if (rc)
		return rc;
	if (length > buf_len || (!buf && length)) {
		*n = length; /* the message stays: call again with room for it */
		snprintf(want, sizeof want, ">= %lu", (unsigned long)length);
		return set_err(err, SHM_SIGNAL_E_ARG, "buf_len", -1, want, NULL,
			       "the next message has %lu bytes, buf_len %lu", (unsigned long)length,
			       (unsigned long)buf_len);
	}
	copy_bytes((unsigned char *)buf, r->base + HDR + p + 8, length);
	release_record(r, length);
	*n = length;
	return 0;
}

int shm_signal_ring_peek(struct shm_signal_ring *r, const void **out, uint32_t *n, struct shm_signal_error *err)
{
	uint32_t p, length;
	int rc;
	if (!out || !n)
		return set_err(err, SHM_SIGNAL_E_ARG, out ? "n" : "out", -1, NULL, NULL, "no place for the result");
	*out = NULL;
	*n = 0;
	rc = next_message(r, err, &p, &length);
	if (rc)
		return rc;
	r->holding = 1;
	r->held_len = length;
	*out = r->base + HDR + p + 8;
	*n = length;
	return 0;
}

int shm_signal_ring_release(struct shm_signal_ring *r, struct shm_signal_error *err)
{
	int rc = usable(r, SHM_SIGNAL_RING_CONSUMER, err);
	if (rc)
		return rc;
	if (!r->holding)
		return set_err(err, SHM_SIGNAL_E_ARG, "r", -1, NULL, NULL, "no message in hand");
	r->holding = 0;
	release_record(r, r->held_len);
	return 0;
}
