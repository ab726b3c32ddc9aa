/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_test.c - a self-contained test of the C engine for C users (make test,
 * ctest): the protocol in one process over a real file, the validation order on
 * broken bytes, both sides and several channels of one file in one process (build
 * with -DSHM_SIGNAL_CLASSIC_LOCKS too: process-owned locks), the application's data
 * (shm_signal_data), the channel's message rings (MESSAGE_RINGS), and (POSIX) a
 * ping-pong between two processes.
 *
 * usage: shm_signal_test [DIR]   (DIR for the temporary files, default "."); exit 0 = pass.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "shm_signal_engine.h"

static int failures;

/* A field's offset in the descriptor, e.g. AT(irq[1].state). */
#define AT(m) offsetof(struct shm_signal_desc, m)

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static int calls;
static int count(void *ctx)
{
	(void)ctx;
	calls++;
	return 0;
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
	remove(out);
}

static void test_protocol(const char *dir)
{
	char path[512];
	static const uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	/* without WAITER_FLAG every notification is a kernel call, which this test counts */
	uint64_t f = shm_signal_supported_features() &
		     ~(uint64_t)(SHM_SIGNAL_F_LIVENESS_LOCK | SHM_SIGNAL_F_WAITER_FLAG);
	shm_signal_chan *n = NULL, *s = NULL, *x = NULL;
	struct shm_signal_error e;
	uint8_t d[SHM_SIGNAL_DESC_SIZE];
	uint32_t c = 0;
	int notified = -1, more = -1, ready = -1;

	path_in(path, sizeof path, dir, "protocol.shm");
	CHECK(shm_signal_create(&n, path, 0, 0, 0, f, 0, 0600,
				SHM_SIGNAL_O_FEATURES | SHM_SIGNAL_O_INSTANCE_ID | SHM_SIGNAL_O_PID, id, 7,
				&e) == 0);
	CHECK(shm_signal_create(&x, path, 0, 0, 0, 0, 0, 0600, 0, NULL, 0, &e) == SHM_SIGNAL_E_EXISTS);
	CHECK(shm_signal_attach(&s, path, 0, 0, SHM_SIGNAL_O_PID, 8, 1.0, &e) == 0);
	if (!n || !s) {
		failures++;
		return;
	}
	shm_signal_set_notifier(n, count, NULL);
	CHECK(shm_signal_locality(s) == 1);
	CHECK(shm_signal_wait_for_peer(n, 1.0, &ready, &e) == 0 && ready == 1);
	/* masked: dirty only */
	CHECK(shm_signal_inject(s, &notified, &e) == 0 && notified == 0);
	shm_signal_descriptor_bytes(n, d);
	CHECK(d[AT(irq[0].enabled)] == 0 && d[AT(irq[0].pending)] == 0 && d[AT(irq[0].dirty)] == 1);
	/* enable runs the wakeup for the work already there */
	CHECK(shm_signal_enable(n, &c, &e) == 0 && c == 1 && calls == 1);
	CHECK(shm_signal_inject(s, &notified, &e) == 0 && notified == 1);
	CHECK(shm_signal_inject(s, &notified, &e) == 0 && notified == 0); /* pending suppresses */
	CHECK(shm_signal_wait(n, 1.0, &ready, &e) == 0 && ready == 1);
	CHECK(shm_signal_wakeup(n, 0, &c, &more, &e) == 0 && c == 1 && more == 0);
	shm_signal_descriptor_bytes(n, d);
	CHECK(d[AT(irq[0].pending)] == 0 && d[AT(irq[0].dirty)] == 0 && d[AT(irq[0].notify_count)] == 1);
	CHECK(shm_signal_wait(n, 0.01, &ready, &e) == 0 && ready == 0);
	{
		/* parks really sleep: a kernel timeout read wrongly (e.g. a 64-bit time_t
		 * passed to the 32-bit futex) shows as thousands of parks */
		struct shm_signal_stats before, after;
		shm_signal_get_stats(n, &before);
		CHECK(shm_signal_wait(n, 0.35, &ready, &e) == 0 && ready == 0);
		shm_signal_get_stats(n, &after);
		CHECK(after.parks - before.parks <= 20);
	}
	/* close: the remote sees closed after the close's inject */
	shm_signal_close(s);
	CHECK(shm_signal_wait(n, 1.0, &ready, &e) == 0 && ready == 1);
	CHECK(shm_signal_wakeup(n, 0, &c, &more, &e) == 0 && c == 1);
	CHECK(shm_signal_wait(n, 1.0, &ready, &e) == SHM_SIGNAL_FAULT_PEER_CLOSED);
	CHECK(strcmp(e.field, "irq[1].state") == 0);
	shm_signal_close(n);
	remove(path);
}

/* The head's doorbell of locality l (spec 7.8): file offset 88 north, 152 south. */
static uint32_t bell(const shm_signal_chan *head, uint32_t l)
{
	uint8_t d[SHM_SIGNAL_DESC_SIZE];
	shm_signal_descriptor_bytes(head, d);
	return shm_signal_load_le32(d + (l ? AT(irq[1].doorbell) : AT(irq[0].doorbell)));
}

/* GROUP_DOORBELL (spec 7.8) in one process: where a ring goes and when.  The owner's
 * waiting byte is stored here by hand, as a doorbell wait would; on a big-endian host
 * the little-endian counter still moves by 1. */
static void test_doorbell(const char *dir)
{
	char path[512];
	shm_signal_chan *n = NULL, *s = NULL, *n1 = NULL, *s1 = NULL;
	struct shm_signal_error e;
	uint8_t d[SHM_SIGNAL_DESC_SIZE];
	uint64_t f = 0;
	uint32_t c = 0, ready[2], n_ready = 9;
	unsigned char *pad0;
	int notified = -1, negotiated = 0;
	static const struct {
		uint8_t waiting;
		int notified;
		uint32_t rung;
	} cases[] = {{2, 1, 1}, {1, 1, 0}, {0, 0, 0}, {3, 1, 1}};
	size_t i;
	if (!(shm_signal_supported_features() & SHM_SIGNAL_F_GROUP_DOORBELL))
		return; /* Windows, no wake-up channel */
	path_in(path, sizeof path, dir, "doorbell.shm");
	CHECK(shm_signal_create(&n, path, 0, 0, 4 * SHM_SIGNAL_DESC_SIZE, 0, 0, 0600, 0, NULL, 0, &e) == 0);
	CHECK(shm_signal_attach(&s, path, 0, 0, 0, 0, 1.0, &e) == 0);
	if (!n || !s) {
		failures++;
		return;
	}
	CHECK(shm_signal_features(n, &f, &negotiated, &e) == 0 && negotiated &&
	      (f & SHM_SIGNAL_F_GROUP_DOORBELL));
	pad0 = (unsigned char *)shm_signal_wait_word(n) + 3;
	CHECK(shm_signal_doorbell_word(n) == (unsigned char *)shm_signal_wait_word(n) + 24);
	CHECK(shm_signal_doorbell_word(s) == (unsigned char *)shm_signal_wait_word(n) + 88);
	CHECK(bell(n, 0) == 1 && bell(n, 1) == 0); /* the attach rang the creator's */
	CHECK(shm_signal_enable(n, &c, &e) == 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t before = bell(n, 0);
		*pad0 = cases[i].waiting;
		CHECK(shm_signal_inject(s, &notified, &e) == 0 && notified == cases[i].notified);
		CHECK(bell(n, 0) - before == cases[i].rung && bell(n, 1) == 0);
		CHECK(shm_signal_wakeup(n, 0, &c, NULL, &e) == 0 && c == 1);
	}
	*pad0 = 0;
	shm_signal_descriptor_bytes(n, d);
	CHECK(shm_signal_load_le64(d + AT(irq[0].notify_count)) == 3); /* once per notification */
	/* a second channel rings the head's doorbell, not its own descriptor's */
	CHECK(shm_signal_create(&n1, path, 0, SHM_SIGNAL_DESC_SIZE, 0, 0, 0, 0600, SHM_SIGNAL_O_EXIST_OK, NULL,
				0, &e) == 0);
	CHECK(shm_signal_attach(&s1, path, SHM_SIGNAL_DESC_SIZE, 0, 0, 0, 1.0, &e) == 0);
	if (n1 && s1) {
		shm_signal_chan *both[2] = {n, n1};
		CHECK(bell(n, 0) == 4);
		shm_signal_descriptor_bytes(n1, d);
		CHECK(shm_signal_load_le32(d + AT(irq[0].doorbell)) == 0);
		CHECK(shm_signal_doorbell_word(n1) == shm_signal_doorbell_word(n));
		CHECK(shm_signal_wait_any(both, 2, 0.01, ready, &n_ready, &e) == 0 && n_ready == 0);
		shm_signal_close(s1); /* a close rings once too */
		CHECK(bell(n, 0) == 5);
		shm_signal_close(n1); /* ... whatever state the remote is in */
		CHECK(bell(n, 1) == 1);
	} else {
		failures++;
		shm_signal_close(s1);
		shm_signal_close(n1);
	}
	shm_signal_close(n);
	CHECK(bell(s, 1) == 2 && bell(s, 0) == 5);
	shm_signal_close(s);
	remove(path);
}

/* Both sides of a channel, and two channels of one file, in one process (spec 9,
 * "Locks within one process"): each sees the other exactly as across processes.
 * With process-owned locks (classic fcntl, -DSHM_SIGNAL_CLASSIC_LOCKS) this needs
 * the engine's own table of held bytes and one open file per file. */
static void test_one_process(const char *dir)
{
	char path[512];
	shm_signal_chan *n0 = NULL, *s0 = NULL, *n1 = NULL, *s1 = NULL, *x = NULL;
	struct shm_signal_error e;
	int ready = -1;
	path_in(path, sizeof path, dir, "oneproc.shm");
	CHECK(shm_signal_create(&n0, path, 0, 0, 4096, 0, 0, 0600, 0, NULL, 0, &e) == 0);
	CHECK(shm_signal_attach(&s0, path, 0, 0, 0, 0, 1.0, &e) == 0);
	if (!n0 || !s0) {
		failures++;
		return;
	}
	/* alive in this process: a liveness check (the first turn of a wait) passes */
	CHECK(shm_signal_wait(n0, 0.01, &ready, &e) == 0 && ready == 0);
	CHECK(shm_signal_wait(s0, 0.01, &ready, &e) == 0 && ready == 0);
	/* taken, by this process as by another: no second attacher, no creator over it */
	CHECK(shm_signal_attach(&x, path, 0, 0, 0, 0, 0, &e) == SHM_SIGNAL_FAULT_LOCALITY_BUSY);
	CHECK(shm_signal_create(&x, path, 0, 0, 0, 0, 0, 0600, SHM_SIGNAL_O_EXIST_OK, NULL, 0, &e) ==
	      SHM_SIGNAL_FAULT_LOCALITY_BUSY);
	CHECK(shm_signal_create(&x, path, 1, 0, 0, 0, 0, 0600, SHM_SIGNAL_O_EXIST_OK, NULL, 0, &e) ==
	      SHM_SIGNAL_FAULT_LOCALITY_BUSY);
	CHECK(x == NULL);
	/* a second channel of the file: created, attached, closed again; closing it must
	 * not drop the first channel's locks (closing any fd drops a process's classic
	 * locks on the file) */
	CHECK(shm_signal_create(&n1, path, 1, 192, 0, 0, 0, 0600, SHM_SIGNAL_O_EXIST_OK, NULL, 0, &e) == 0);
	CHECK(shm_signal_create(&x, path, 0, 192, 0, 0, 0, 0600, SHM_SIGNAL_O_EXIST_OK, NULL, 0, &e) ==
	      SHM_SIGNAL_FAULT_LOCALITY_BUSY); /* the creator alone holds it: not overwritten */
	CHECK(shm_signal_attach(&s1, path, 192, 0, 0, 0, 1.0, &e) == 0);
	CHECK(shm_signal_enable(n1, NULL, &e) == 0);
	if (s1) {
		CHECK(shm_signal_locality(s1) == 0);
		CHECK(shm_signal_wait(n1, 0.01, &ready, &e) == 0 && ready == 0);
		shm_signal_close(s1);
	}
	CHECK(shm_signal_wait(n1, 0.5, &ready, &e) == 0 && ready == 1); /* the close's wake-up */
	CHECK(shm_signal_wakeup(n1, 0, NULL, NULL, &e) == 0);
	CHECK(shm_signal_wait(n1, 0.01, &ready, &e) == SHM_SIGNAL_FAULT_PEER_CLOSED);
	shm_signal_close(n1);
	CHECK(shm_signal_wait(n0, 0.01, &ready, &e) == 0 && ready == 0);
	CHECK(shm_signal_wait(s0, 0.01, &ready, &e) == 0 && ready == 0);
	/* and the first channel still works */
	CHECK(shm_signal_enable(n0, NULL, &e) == 0);
	CHECK(shm_signal_inject(s0, NULL, &e) == 0);
	CHECK(shm_signal_wait(n0, 1.0, &ready, &e) == 0 && ready == 1);
	CHECK(shm_signal_wakeup(n0, 0, NULL, NULL, &e) == 0);
	shm_signal_close(s0);
	CHECK(shm_signal_wakeup(n0, 0, NULL, NULL, &e) == 0);
	CHECK(shm_signal_wait(n0, 0.01, &ready, &e) == SHM_SIGNAL_FAULT_PEER_CLOSED);
	shm_signal_close(n0);
	remove(path);
}

/* shm_signal_data: the file's bytes beyond the descriptors, through both sides; a
 * mapping handed out outlives the other channel's close (each holds a reference);
 * every bad argument and a short file refused.  Under ASan a mapping unmapped too
 * early faults, one never released leaks. */
static void test_data(const char *dir)
{
	char path[512];
	shm_signal_chan *n = NULL, *s = NULL, *x = NULL;
	struct shm_signal_error e;
	void *p = NULL, *q = NULL, *p2 = NULL;
	uint64_t len = 0;
	path_in(path, sizeof path, dir, "data.shm");
	CHECK(shm_signal_create(&n, path, 0, 0, 4096, 0, 0, 0600, 0, NULL, 0, &e) == 0);
	CHECK(shm_signal_attach(&s, path, 0, 0, 0, 0, 1.0, &e) == 0);
	if (!n || !s) {
		failures++;
		return;
	}
	CHECK(shm_signal_data_length(n, &len, &e) == 0 && len == 4096);
	/* within the channels' first mapping: the same bytes from either side */
	CHECK(shm_signal_data(n, 1024, 64, &p, &e) == 0 && p != NULL);
	CHECK(shm_signal_data(s, 1024, 64, &q, &e) == 0 && q != NULL);
	CHECK(shm_signal_data(n, 1024, 64, &p2, &e) == 0 && p2 == p); /* asked again: one mapping */
	if (p && q) {
		memcpy(p, "north", 6);
		CHECK(memcmp(q, "north", 6) == 0);
	}
	/* refused: the file is 4096 bytes */
	CHECK(shm_signal_data(n, 4000, 97, &p2, &e) == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL && p2 == NULL);
	CHECK(e.code == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL && !strcmp(e.field, "mapping length") &&
	      e.offset == 4000 && !strcmp(e.expected, "0x1001") && !strcmp(e.actual, "0x1000"));
	CHECK(shm_signal_data(n, 4096, 1, &p2, &e) == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL);
	CHECK(shm_signal_data(n, 4095, 1, &p2, &e) == 0 && p2 != NULL);
	CHECK(shm_signal_data(n, 0, 0, &p2, &e) == SHM_SIGNAL_E_ARG && !strcmp(e.field, "len") && p2 == NULL);
	CHECK(shm_signal_data(n, 0, 1, NULL, &e) == SHM_SIGNAL_E_ARG && !strcmp(e.field, "out"));
	CHECK(shm_signal_data(NULL, 0, 1, &p2, &e) == SHM_SIGNAL_E_ARG);
	CHECK(shm_signal_data(n, UINT64_MAX, 2, &p2, &e) == SHM_SIGNAL_E_ARG && !strcmp(e.field, "len"));
	CHECK(shm_signal_data(n, 1, UINT64_MAX, &p2, &e) == SHM_SIGNAL_E_ARG && !strcmp(e.field, "len"));
	CHECK(shm_signal_data(n, (uint64_t)INT64_MAX, 1, &p2, &e) == SHM_SIGNAL_E_ARG);
	CHECK(shm_signal_data_length(n, NULL, &e) == SHM_SIGNAL_E_ARG);
	CHECK(shm_signal_data_length(NULL, &len, &e) == SHM_SIGNAL_E_ARG && len == 0);
	/* the file grows (a second channel's create): a new mapping, one per side */
	CHECK(shm_signal_create(&x, path, 0, 192, 65536, 0, 0, 0600, SHM_SIGNAL_O_EXIST_OK, NULL, 0, &e) == 0);
	shm_signal_close(x);
	CHECK(shm_signal_data(n, 61440, 4096, &p, &e) == 0 && p != NULL);
	CHECK(shm_signal_data(s, 61440, 4096, &q, &e) == 0 && q != NULL);
	if (p && q) {
		memcpy((char *)p + 4090, "south", 6);
		CHECK(memcmp((char *)q + 4090, "south", 6) == 0);
	}
	shm_signal_close(n);
	if (q) /* still mapped: s holds its own reference */
		CHECK(memcmp((char *)q + 4090, "south", 6) == 0);
	shm_signal_close(s);
	remove(path);
}

/* A message through ring r into its other side q, checked on the way out. */
static void ring_round_trip(struct shm_signal_ring *r, struct shm_signal_ring *q, const char *msg)
{
	struct shm_signal_error e;
	char buf[64];
	uint32_t n = 0;
	CHECK(shm_signal_ring_send(r, msg, (uint32_t)strlen(msg), &e) == 0);
	CHECK(shm_signal_ring_recv(q, buf, sizeof buf, &n, &e) == 0 && n == strlen(msg) && !memcmp(buf, msg, n));
}

/* The channel's two rings (spec 15.6): laid out by create, opened by both sides once
 * MESSAGE_RINGS is negotiated, each side the producer of its own locality's ring. */
static void test_rings(const char *dir)
{
	static const uint32_t cap[2] = {256, 128}, max[2] = {100, 0}, bad[2] = {256, 96};
	char path[512];
	shm_signal_chan *n = NULL, *s = NULL, *x = NULL;
	struct shm_signal_ring np, nc, sp, sc;
	struct shm_signal_error e;
	uint8_t d[SHM_SIGNAL_DESC_SIZE];
	uint64_t len = 0;
	void *p = NULL;

	path_in(path, sizeof path, dir, "rings.shm");
	CHECK(shm_signal_create_rings(&x, path, 0, 0, 0, 0, 0, 0600, 0, NULL, 0, bad, NULL, &e) == SHM_SIGNAL_E_ARG &&
	      !strcmp(e.field, "capacity[1]"));
	CHECK(shm_signal_create_rings(&x, path, 0, 0, 0, 0, 0, 0600, 0, NULL, 0, NULL, max, &e) == SHM_SIGNAL_E_ARG);
	CHECK(shm_signal_create(&x, path, 0, 0, 0, 0, SHM_SIGNAL_F_MESSAGE_RINGS, 0600, 0, NULL, 0, &e) ==
	      SHM_SIGNAL_E_ARG && !strcmp(e.field, "required"));
	CHECK(shm_signal_create_rings(&n, path, 0, 0, 0, 0, SHM_SIGNAL_F_MESSAGE_RINGS, 0600, 0, NULL, 0, cap, max,
				      &e) == 0);
	if (!n)
		return;
	shm_signal_descriptor_bytes(n, d);
	CHECK(shm_signal_load_le32(d + AT(desc_size)) == 576 + 256 + 128);
	CHECK(shm_signal_load_le64(d + AT(features_offered)) & SHM_SIGNAL_F_MESSAGE_RINGS);
	CHECK(shm_signal_data_length(n, &len, &e) == 0 && len == 960);
	CHECK(shm_signal_data(n, 0, 960, &p, &e) == 0);
	if (p) { /* north's header at 192, south's at 384 + 256 */
		CHECK(shm_signal_load_le32((uint8_t *)p + 192) == SHM_SIGNAL_RING_MAGIC);
		CHECK(shm_signal_load_le32((uint8_t *)p + 196) == 256 && shm_signal_load_le32((uint8_t *)p + 200) == 100);
		CHECK(shm_signal_load_le32((uint8_t *)p + 640) == SHM_SIGNAL_RING_MAGIC);
		CHECK(shm_signal_load_le32((uint8_t *)p + 644) == 128 && shm_signal_load_le32((uint8_t *)p + 648) == 120);
	}
	/* nothing negotiated before the attach */
	CHECK(shm_signal_channel_ring(n, SHM_SIGNAL_RING_PRODUCER, &np, &e) == SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE &&
	      !strcmp(e.field, "features_accepted"));
	CHECK(shm_signal_attach(&s, path, 0, 0, 0, 0, 1.0, &e) == 0);
	if (!s) {
		shm_signal_close(n);
		return;
	}
	CHECK(shm_signal_channel_ring(n, SHM_SIGNAL_RING_PRODUCER, &np, &e) == 0 && np.capacity == 256);
	CHECK(shm_signal_channel_ring(n, SHM_SIGNAL_RING_CONSUMER, &nc, &e) == 0 && nc.capacity == 128);
	CHECK(shm_signal_channel_ring(s, SHM_SIGNAL_RING_PRODUCER, &sp, &e) == 0 && sp.max_message == 120);
	CHECK(shm_signal_channel_ring(s, SHM_SIGNAL_RING_CONSUMER, &sc, &e) == 0 && sc.max_message == 100);
	CHECK(shm_signal_channel_ring(s, 2, &sc, &e) == SHM_SIGNAL_E_ARG && sc.base == NULL);
	if (np.base && sc.base && sp.base && nc.base) {
		ring_round_trip(&np, &sc, "north to south");
		ring_round_trip(&sp, &nc, "south to north");
	}
	/* a hostile north capacity places no ring; the channel goes on */
	if (p) {
		shm_signal_store_le32((uint8_t *)p + 196, 100);
		CHECK(shm_signal_channel_ring(s, SHM_SIGNAL_RING_PRODUCER, &sp, &e) == SHM_SIGNAL_FAULT_BAD_RING &&
		      !strcmp(e.field, "capacity") && e.offset == 4);
		CHECK(shm_signal_ring_send(&sp, "x", 1, &e) == SHM_SIGNAL_FAULT_BAD_RING); /* refused, and stays so */
		shm_signal_store_le32((uint8_t *)p + 196, 256);
		CHECK(shm_signal_inject(s, NULL, &e) == 0);
	}
	shm_signal_close(s);
	shm_signal_close(n);
	remove(path);
}

static void test_validation(void)
{
	static uint8_t buf[256];
	struct shm_signal_error e;
	/* a valid north-created descriptor, then one broken field at a time */
	memset(buf, 0, sizeof buf);
	shm_signal_store_le32(buf + AT(magic), SHM_SIGNAL_MAGIC);
	shm_signal_store_le32(buf + AT(version), 1);
	shm_signal_store_le32(buf + AT(desc_size), 192);
	shm_signal_store_le64(buf + AT(features_offered), 0xd);
	buf[AT(instance_id)] = 1;
	shm_signal_store_le32(buf + AT(irq[0].state), 1);
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == 0);
	CHECK(shm_signal_validate(buf, 192, 32, 0xd, &e) == SHM_SIGNAL_FAULT_BAD_OFFSET);
	CHECK(shm_signal_validate(buf, 191, 0, 0xd, &e) == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL);
	buf[sizeof(struct shm_signal_desc) - 1] = 1; /* the last reserved byte */
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == SHM_SIGNAL_FAULT_RESERVED_NONZERO);
	CHECK(strcmp(e.field, "irq[1].reserved3[3]") == 0 && e.offset == (int64_t)AT(irq[1].reserved3[3]));
	buf[sizeof(struct shm_signal_desc) - 1] = 0;
	buf[AT(irq[0].dirty)] = 2;
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == SHM_SIGNAL_FAULT_BAD_FLAG);
	buf[AT(irq[0].dirty)] = 0;
	shm_signal_store_le64(buf + AT(features_required), 0x10);
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == SHM_SIGNAL_FAULT_BAD_FEATURES);
	shm_signal_store_le64(buf + AT(features_offered), 0x1d);
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE);
	/* rule 5: MESSAGE_RINGS offered wants room for two rings, before the mapping's length */
	shm_signal_store_le64(buf + AT(features_required), 0);
	shm_signal_store_le64(buf + AT(features_offered), 0xd | SHM_SIGNAL_F_MESSAGE_RINGS);
	shm_signal_store_le32(buf + AT(desc_size), 640);
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == SHM_SIGNAL_FAULT_BAD_SIZE && !strcmp(e.field, "desc_size"));
	shm_signal_store_le32(buf + AT(desc_size), 704);
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL);
	shm_signal_store_le64(buf + AT(features_offered), 0x1d);
	shm_signal_store_le64(buf + AT(features_required), 0x10);
	shm_signal_store_le32(buf + AT(desc_size), 192);
	shm_signal_store_le32(buf + AT(magic), SHM_SIGNAL_MAGIC_SWAPPED);
	CHECK(shm_signal_validate(buf, 192, 0, 0xd, &e) == SHM_SIGNAL_FAULT_BYTE_SWAPPED);
}

#if !defined(_WIN32)
/* Two processes: the child answers each of the parent's injects. */
static void test_two_processes(const char *dir)
{
	char path[512];
	shm_signal_chan *n = NULL;
	struct shm_signal_error e;
	pid_t pid;
	int i, status = -1;
	path_in(path, sizeof path, dir, "fork.shm");
	CHECK(shm_signal_create(&n, path, 0, 0, 0, 0, 0, 0600, 0, NULL, 0, &e) == 0);
	if (!n)
		return;
	pid = fork();
	if (pid == 0) {
		shm_signal_chan *s = NULL;
		uint32_t c;
		int ready, more, answered = 0;
		if (shm_signal_attach(&s, path, 0, 0, 0, 0, 5.0, &e) != 0)
			_exit(3);
		/* enable's own wakeup may already consume the first ping: answer it */
		if (shm_signal_enable(s, &c, &e) == 0 && c) {
			shm_signal_inject(s, NULL, &e);
			answered++;
		}
		for (;;) {
			int rc = shm_signal_wait(s, 5.0, &ready, &e);
			if (rc == SHM_SIGNAL_FAULT_PEER_CLOSED)
				break;
			if (rc || !ready)
				_exit(4);
			shm_signal_wakeup(s, 0, &c, &more, &e);
			if (c) {
				shm_signal_inject(s, NULL, &e);
				answered++;
			}
		}
		shm_signal_close(s);
		_exit(answered >= 1000 ? 0 : 5);
	}
	CHECK(pid > 0);
	CHECK(shm_signal_wait_for_peer(n, 5.0, &i, &e) == 0 && i == 1);
	shm_signal_set_notifier(n, count, NULL);
	shm_signal_enable(n, NULL, &e);
	for (i = 0; i < 1000; i++) {
		int ready = 0, more;
		uint32_t c = 0;
		CHECK(shm_signal_inject(n, NULL, &e) == 0);
		while (c == 0) {
			if (shm_signal_wait(n, 5.0, &ready, &e) != 0 || !ready) {
				CHECK(!"no answer from the child");
				i = 1000;
				break;
			}
			shm_signal_wakeup(n, 0, &c, &more, &e);
		}
	}
	shm_signal_close(n);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	remove(path);
}
#endif

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	test_protocol(dir);
	test_validation();
	test_one_process(dir);
	test_data(dir);
	test_rings(dir);
	test_doorbell(dir);
#if !defined(_WIN32)
	test_two_processes(dir);
#endif
	if (failures) {
		fprintf(stderr, "shm_signal_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("shm_signal_test: all checks passed\n");
	return 0;
}
