/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_ring_fuzz.c - a libFuzzer target for the C engine's message ring
 * (shm_signal_ring.c, docs/spec.md section 15): the consumer's validation of what a
 * hostile producer leaves, and the producer's of what a hostile consumer leaves.
 *
 * Input: byte 0 picks the side (bit 0: producer), bytes 1.. are the ring's region
 * (its whole length: the header, then the data area, possibly cut short).  The
 * region is copied to an exact-size, 64-byte-aligned heap block (ASan sees any
 * access past it).  Then:
 *  - consumer: open, then receive until the ring is empty, refused, or more records
 *    than the data area can hold have come (a bound no correct ring exceeds);
 *  - producer: open, then send messages of the sizes the region's last bytes pick,
 *    until one finds the ring full or refused.
 * Each result (opened or the fault's field and offset; each message's length and
 * bytes; the fault that ends it) is compared with model(): spec 15.1 and 15.4
 * transcribed here on their own, so a check skipped, run out of order or naming
 * another field is a failure, as is any byte written outside the data area or the
 * own index, and any call that gives a different answer for the same bytes.
 * A broken invariant prints what and abort()s, so libFuzzer saves the input.
 *
 * Build and run: make fuzz-ring / make fuzz-ring-run (Makefile), see fuzz/README.md.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign with -std=c11 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm_signal_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 192u
#define MAX_REGION (HDR + 4096u) /* a bound on the fuzzed capacity: fast inputs */

static void broken(const char *what)
{
	fprintf(stderr, "INVARIANT BROKEN: %s\n", what);
	abort();
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ------------------------------------------------------------------ the model */

struct verdict {
	int fault;          /* 0 or SHM_SIGNAL_FAULT_BAD_RING */
	const char *field;  /* the field a fault names */
	uint32_t offset;    /* its offset from the region's start */
};

static struct verdict ok(void)
{
	struct verdict v = {0, NULL, 0};
	return v;
}

static struct verdict bad(const char *field, uint32_t offset)
{
	struct verdict v = {SHM_SIGNAL_FAULT_BAD_RING, field, offset};
	return v;
}

/* 15.1, "Opening a side", in its order. */
static struct verdict model_open(const uint8_t *r, size_t len, int producer)
{
	uint32_t cap, max, head, tail, i;
	if (len < HDR)
		return bad("magic", 0);
	if (le32(r) != SHM_SIGNAL_RING_MAGIC)
		return bad("magic", 0);
	cap = le32(r + 4);
	if (cap < 64 || cap > (1u << 30) || (cap & (cap - 1)))
		return bad("capacity", 4);
	max = le32(r + 8);
	if (max < 1 || max > cap - 8)
		return bad("max_message", 8);
	for (i = 12; i < HDR; i++) {
		if (i >= 64 && i < 68)
			continue;
		if (i >= 128 && i < 132)
			continue;
		if (r[i])
			return bad(i < 64 ? "reserved0" : i < 128 ? "reserved1" : "reserved2", i);
	}
	if (len - HDR < cap)
		return bad("capacity", 4);
	head = le32(r + 64);
	tail = le32(r + 128);
	if (head & 7)
		return bad("head", 64);
	if (tail & 7)
		return bad("tail", 128);
	if (head - tail > cap)
		return producer ? bad("tail", 128) : bad("head", 64);
	return ok();
}

/* 15.4 step 2 for the record at tail: 1 a message (its length in *n, its record's
 * size in *size), 2 padding (*size), 0 none; a fault in *v. */
static int model_record(const uint8_t *r, uint32_t cap, uint32_t max, uint32_t tail, uint32_t used,
			uint32_t *n, uint32_t *size, struct verdict *v)
{
	uint32_t p = tail & (cap - 1), length, kind;
	*v = ok();
	if (!used)
		return 0;
	length = le32(r + HDR + p);
	kind = le32(r + HDR + p + 4);
	if (kind == 1) {
		if (p == 0)
			*v = bad("kind", HDR + p + 4);
		else if (length != cap - p - 8 || used < cap - p)
			*v = bad("length", HDR + p);
		*size = cap - p;
		return 2;
	}
	if (kind != 0) {
		*v = bad("kind", HDR + p + 4);
		return 1;
	}
	*size = 8 + ((length + 7u) & ~7u);
	if (length > max || *size > cap - p || *size > used)
		*v = bad("length", HDR + p);
	*n = length;
	return 1;
}

/* ------------------------------------------------------------------ the checks */

static void same_verdict(int rc, const struct shm_signal_error *e, struct verdict want, const char *when)
{
	char msg[256];
	if (rc == want.fault && (!want.fault || (strcmp(e->field, want.field) == 0 && e->offset == want.offset)))
		return;
	snprintf(msg, sizeof msg, "%s: engine rc %d field %s offset %lld, model %d field %s offset %lu", when, rc,
		 rc > 0 ? e->field : "-", rc > 0 ? (long long)e->offset : -1LL, want.fault,
		 want.field ? want.field : "-", (unsigned long)want.offset);
	broken(msg);
}

static void consumer(uint8_t *r, size_t len)
{
	struct shm_signal_ring ring;
	struct shm_signal_error e;
	struct verdict want = model_open(r, len, 0);
	uint32_t cap, max, tail, head, used, n = 0, size = 0, kind, rounds;
	uint8_t before[MAX_REGION], buf[4096];
	int rc;
	memcpy(before, r, len);
	rc = shm_signal_ring_open(&ring, r, len, SHM_SIGNAL_RING_CONSUMER, &e);
	if (rc < 0 && len >= HDR)
		broken("open: an argument error for a region of at least 192 bytes");
	if (rc < 0)
		return;
	same_verdict(rc, &e, want, "open");
	if (memcmp(before, r, len))
		broken("open wrote to the region");
	if (rc)
		return;
	cap = le32(r + 4);
	max = le32(r + 8);
	tail = le32(r + 128);
	head = le32(r + 64);
	for (rounds = 0; rounds <= cap / 8 + 2; rounds++) {
		used = head - tail;
		kind = (uint32_t)model_record(r, cap, max, tail, used, &n, &size, &want);
		if (kind == 2 && !want.fault) { /* padding: released on the way to the message */
			tail += size;
			used -= size;
			kind = (uint32_t)model_record(r, cap, max, tail, used, &n, &size, &want);
			if (kind == 2 && !want.fault)
				want = bad("kind", HDR + 4); /* padding at 0 after padding */
		}
		rc = shm_signal_ring_recv(&ring, buf, sizeof buf, &n, &e);
		if (kind == 0) {
			if (rc != SHM_SIGNAL_E_EMPTY)
				broken("recv: a message from an empty ring");
			if (le32(r + 128) != tail)
				broken("recv: tail is not where the records released put it");
			return;
		}
		same_verdict(rc, &e, want, "recv");
		if (rc)
			return;
		if (memcmp(buf, r + HDR + (tail & (cap - 1)) + 8, n))
			broken("recv: the payload is not the record's");
		tail += size;
		if (le32(r + 128) != tail)
			broken("recv: tail is not past the record");
		if (memcmp(before + 132, r + 132, len - 132) || memcmp(before, r, 128))
			broken("recv wrote outside its tail");
	}
	broken("recv: more records than the data area holds");
}

static void producer(uint8_t *r, size_t len)
{
	struct shm_signal_ring ring;
	struct shm_signal_error e;
	struct verdict want = model_open(r, len, 1);
	uint32_t cap, head, i, n, tail;
	uint8_t msg[4096];
	int rc;
	rc = shm_signal_ring_open(&ring, r, len, SHM_SIGNAL_RING_PRODUCER, &e);
	if (rc < 0)
		return;
	same_verdict(rc, &e, want, "open");
	if (rc)
		return;
	cap = le32(r + 4);
	tail = le32(r + 128);
	memset(msg, 0x5a, sizeof msg);
	for (i = 0; i < 64; i++) {
		n = r[len - 1 - (i % 16)] % (le32(r + 8) + 1u);
		head = le32(r + 64);
		rc = shm_signal_ring_send(&ring, msg, n, &e);
		if (rc == SHM_SIGNAL_E_FULL)
			return;
		if (rc)
			broken("send: refused a ring the open accepted (nobody else writes it)");
		if (le32(r + 128) != tail)
			broken("send: wrote tail");
		if (le32(r + 64) - tail > cap || le32(r + 64) == head)
			broken("send: head out of range, or not moved");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *r;
	size_t len;
	if (size < 1 || size - 1 > MAX_REGION)
		return 0;
	len = size - 1;
	if (posix_memalign((void **)&r, 64, len ? len : 1))
		return 0;
	memcpy(r, data + 1, len);
	if (data[0] & 1)
		producer(r, len);
	else
		consumer(r, len);
	free(r);
	return 0;
}
