/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_ring_test.c - one test program for one behaviour: the message ring of
 * shm_signal_ring.c (spec 15) over a region of exactly 192 + capacity bytes (so that
 * under AddressSanitizer any access past it fails), driven by tests/test_c_ring.py.
 *
 * usage: shm_signal_ring_test < SCRIPT
 * One command a line; each prints one line:
 *   region LEN FILL   a fresh 64-aligned region of LEN bytes, every byte FILL  -> ok
 *   init CAP MAX      shm_signal_ring_init over it                           -> RESULT
 *   open p|c          open the producer or consumer handle                   -> RESULT
 *   send N SEED       send N bytes, byte i = pattern(SEED, i)                -> RESULT
 *   recv [BUFLEN]     receive into a buffer of BUFLEN (default 2^30) bytes   -> RESULT n=N HEX
 *   poke OFF VAL      store le32 VAL at region offset OFF (a hostile peer)   -> ok
 *   poke8 OFF VAL     store the byte VAL at region offset OFF                -> ok
 *   dump              the region in hex                                     -> HEX
 *   layout            sizeof and offsetof of struct shm_signal_ring's members
 *   stress CAP MAX COUNT SEED   one thread: COUNT messages of random sizes 0..MAX,
 *                     sends and receives interleaved at random, every send's outcome
 *                     (padding or not, full or not) checked against the rules of
 *                     15.3, every message received checked (length, bytes, order)
 *                     -> "stress ok COUNT paddings=P fulls=F empties=E wraps=W"
 *   threads CAP MAX COUNT SEED  the same messages through a producer thread and a
 *                     consumer thread spinning on full/empty (no sleeps)
 *                     -> "threads ok COUNT"
 * RESULT is "ok", "full", "empty", "E_ARG field=F n=N", or "fault NAME field=F
 * offset=O expected=E actual=A".  Exit 0, 2 for a line it does not understand, 1
 * when a stress check fails (stderr says which).
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm_signal_engine.h"

#if defined(_WIN32)
#include <malloc.h>
#define region_alloc(len) _aligned_malloc((len), 64)
#define region_free(p) _aligned_free(p)
#else
static void *region_alloc(size_t len)
{
	void *p = NULL;
	return posix_memalign(&p, 64, len) ? NULL : p;
}
#define region_free(p) free(p)
#endif

#define BIG_BUF (1u << 30)

static unsigned char *region;
static size_t region_len;
static struct shm_signal_ring prod, cons;
static unsigned char *rbuf; /* the receive buffer (allocated to each recv's length) */

/* splitmix64: sizes and payload bytes that both sides derive alone */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static unsigned char pattern(uint64_t seed, uint32_t i)
{
	return (unsigned char)(mix(seed * 0x100000001b3ull + i) >> 56);
}

/* message k of a stress run: its length (0..max, the ends often) and its bytes */
static uint32_t msg_len(uint64_t seed, uint64_t k, uint32_t max)
{
	uint64_t h = mix(seed ^ (k << 20));
	switch (h % 8) {
	case 0: return 0;
	case 1: return max;
	default: return (uint32_t)((h >> 8) % ((uint64_t)max + 1));
	}
}

static void fill_msg(unsigned char *m, uint64_t seed, uint64_t k, uint32_t n)
{
	uint32_t i;
	for (i = 0; i < n; i++)
		m[i] = pattern(seed ^ k, i);
}

static void print_result(int rc, const struct shm_signal_error *err, uint32_t n)
{
	if (rc == 0)
		printf("ok");
	else if (rc == SHM_SIGNAL_E_FULL)
		printf("full");
	else if (rc == SHM_SIGNAL_E_EMPTY)
		printf("empty");
	else if (rc == SHM_SIGNAL_E_ARG)
		printf("E_ARG field=%s n=%lu", err->field, (unsigned long)n);
	else
		printf("fault %s field=%s offset=%lld expected=%s actual=%s", shm_signal_fault_name(rc), err->field,
		       (long long)err->offset, err->expected, err->actual);
}

static int fail(const char *what, unsigned long long k)
{
	fprintf(stderr, "FAIL %s (message %llu)\n", what, k);
	return 1;
}

static uint32_t le32_at(size_t off)
{
	uint32_t v = 0;
	int i;
	for (i = 3; i >= 0; i--) /* the region is shared with the other thread: byte loads */
		v = (v << 8) | atomic_load_explicit((_Atomic unsigned char *)(region + off + (size_t)i),
						    memory_order_relaxed);
	return v;
}

static int new_ring(uint32_t cap, uint32_t max)
{
	struct shm_signal_error err;
	region_free(region);
	region_len = SHM_SIGNAL_RING_HEADER + cap;
	region = region_alloc(region_len);
	if (!region)
		return fail("no memory", 0);
	if (shm_signal_ring_init(region, region_len, cap, max, &err) ||
	    shm_signal_ring_open(&prod, region, region_len, SHM_SIGNAL_RING_PRODUCER, &err) ||
	    shm_signal_ring_open(&cons, region, region_len, SHM_SIGNAL_RING_CONSUMER, &err))
		return fail(err.message, 0);
	return 0;
}

/* One thread: sends and receives at random, each send's outcome checked against a
 * model of 15.3 computed here from head and tail before it. */
static int stress(uint32_t cap, uint32_t max, uint64_t count, uint64_t seed)
{
	unsigned char *m = malloc((size_t)max + 1), *got = malloc((size_t)max + 1);
	uint64_t sent = 0, recvd = 0, rnd = seed, paddings = 0, fulls = 0, empties = 0, step = 0;
	uint32_t head0 = 0;
	struct shm_signal_error err;
	if (!m || !got || new_ring(cap, max))
		return fail("set-up", 0);
	while (recvd < count) {
		rnd = mix(rnd);
		step++;
		/* phases of 64 steps: sends 3 in 4 (the ring fills up), then 1 in 4 (it drains) */
		if (sent < count && ((rnd & 3) != 0) == ((step >> 6) % 2 == 0)) {
			uint32_t n = msg_len(seed, sent, max), head = le32_at(SHM_SIGNAL_RING_OFF_HEAD);
			uint32_t tail = le32_at(SHM_SIGNAL_RING_OFF_TAIL), used = head - tail, p = head & (cap - 1);
			uint32_t size = 8 + ((n + 7) & ~7u), to_end = cap - p, pad = 0;
			int full, rc;
			if (size > to_end && cap - used >= to_end)
				pad = to_end;
			full = size > to_end ? cap - used < to_end || cap - used - to_end < size : cap - used < size;
			fill_msg(m, seed, sent, n);
			rc = shm_signal_ring_send(&prod, m, n, &err);
			if (rc != (full ? SHM_SIGNAL_E_FULL : 0))
				return fail(full ? "send: not full" : "send: not sent", sent);
			if (le32_at(SHM_SIGNAL_RING_OFF_HEAD) != head + pad + (full ? 0 : size))
				return fail("send: head moved by the wrong amount", sent);
			if (pad && (le32_at(SHM_SIGNAL_RING_HEADER + p) != to_end - 8 ||
				    le32_at(SHM_SIGNAL_RING_HEADER + p + 4) != 1))
				return fail("send: not a padding record", sent);
			paddings += pad != 0;
			fulls += full;
			sent += !full;
		} else {
			uint32_t n = 0;
			int rc = shm_signal_ring_recv(&cons, got, max, &n, &err);
			if (rc == SHM_SIGNAL_E_EMPTY) {
				if (recvd != sent)
					return fail("recv: empty with messages in the ring", recvd);
				empties++;
				continue;
			}
			if (rc)
				return fail(err.message, recvd);
			if (recvd >= sent)
				return fail("recv: a message never sent", recvd);
			fill_msg(m, seed, recvd, msg_len(seed, recvd, max));
			if (n != msg_len(seed, recvd, max) || memcmp(m, got, n))
				return fail("recv: not the message sent (lost, duplicated, reordered or changed)", recvd);
			recvd++;
		}
	}
	{
		uint32_t n = 0;
		if (shm_signal_ring_recv(&cons, got, max, &n, &err) != SHM_SIGNAL_E_EMPTY)
			return fail("a message after the last", count);
	}
	printf("stress ok %llu paddings=%llu fulls=%llu empties=%llu wraps=%lu\n", (unsigned long long)count,
	       (unsigned long long)paddings, (unsigned long long)fulls, (unsigned long long)empties,
	       (unsigned long)((le32_at(SHM_SIGNAL_RING_OFF_HEAD) - head0) / cap));
	free(m);
	free(got);
	return 0;
}

struct run {
	uint32_t max;
	uint64_t count, seed;
	double deadline;
	_Atomic int failed; /* the producer failed */
	_Atomic int stop;   /* the consumer failed: the producer stops */
};

#define THREADS_LIMIT_S 60.0 /* a lost message must fail the run, not hang it */

static void *producer(void *arg)
{
	struct run *t = (struct run *)arg;
	unsigned char *m = malloc((size_t)t->max + 1);
	uint64_t k;
	struct shm_signal_error err;
	if (!m)
		atomic_store(&t->failed, fail("no memory", 0));
	for (k = 0; m && k < t->count && !atomic_load(&t->stop);) {
		uint32_t n = msg_len(t->seed, k, t->max);
		int rc;
		fill_msg(m, t->seed, k, n);
		rc = shm_signal_ring_send(&prod, m, n, &err);
		if (rc == 0) {
			k++;
		} else if (rc != SHM_SIGNAL_E_FULL) {
			atomic_store(&t->failed, fail(err.message, k));
		} else if (shm_signal_now_s() > t->deadline) {
			atomic_store(&t->failed, fail("send: full for a minute", k));
		} else {
			shm_signal_cpu_relax();
			continue;
		}
		if (atomic_load(&t->failed))
			break;
	}
	free(m);
	return NULL;
}

/* Two threads over one ring, each spinning while full or empty. */
static int threads(uint32_t cap, uint32_t max, uint64_t count, uint64_t seed)
{
	unsigned char *m = malloc((size_t)max + 1), *got = malloc((size_t)max + 1);
	struct run t;
	pthread_t th;
	uint64_t k = 0;
	int rc = 0;
	struct shm_signal_error err;
	t.max = max;
	t.count = count;
	t.seed = seed;
	t.deadline = shm_signal_now_s() + THREADS_LIMIT_S;
	atomic_init(&t.failed, 0);
	atomic_init(&t.stop, 0);
	if (!m || !got || new_ring(cap, max) || pthread_create(&th, NULL, producer, &t))
		return fail("set-up", 0);
	while (k < count && !rc && !atomic_load(&t.failed)) {
		uint32_t n = 0, want = msg_len(seed, k, max);
		int r = shm_signal_ring_recv(&cons, got, max, &n, &err);
		if (r == SHM_SIGNAL_E_EMPTY) {
			if (shm_signal_now_s() > t.deadline)
				rc = fail("recv: empty for a minute", k);
			shm_signal_cpu_relax();
			continue;
		}
		fill_msg(m, seed, k, want);
		if (r)
			rc = fail(err.message, k);
		else if (n != want || memcmp(m, got, n))
			rc = fail("recv: not the message sent (lost, duplicated, reordered or changed)", k);
		k++;
	}
	atomic_store(&t.stop, 1);
	pthread_join(th, NULL);
	if (!rc && !atomic_load(&t.failed))
		printf("threads ok %llu\n", (unsigned long long)k);
	free(m);
	free(got);
	return rc || atomic_load(&t.failed);
}

int main(void)
{
	char line[256], who;
	unsigned long a, b, c, d;
	struct shm_signal_error err;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		int rc;
		memset(&err, 0, sizeof err);
		if (sscanf(line, "region %lu %lu", &a, &b) == 2) {
			region_free(region);
			region_len = a;
			region = region_alloc(region_len ? region_len : 1);
			if (!region)
				return fail("no memory", 0);
			memset(region, (int)b, region_len);
			printf("ok\n");
		} else if (sscanf(line, "init %lu %lu", &a, &b) == 2) {
			print_result(shm_signal_ring_init(region, region_len, (uint32_t)a, (uint32_t)b, &err), &err, 0);
			printf("\n");
		} else if (sscanf(line, "open %c", &who) == 1) {
			print_result(shm_signal_ring_open(who == 'p' ? &prod : &cons, region, region_len,
							  who == 'p' ? SHM_SIGNAL_RING_PRODUCER : SHM_SIGNAL_RING_CONSUMER,
							  &err),
				     &err, 0);
			printf("\n");
		} else if (sscanf(line, "send %lu %lu", &a, &b) == 2) {
			unsigned char *m = malloc(a ? a : 1);
			uint32_t i;
			if (!m)
				return fail("no memory", 0);
			for (i = 0; i < a; i++)
				m[i] = pattern(b, i);
			print_result(shm_signal_ring_send(&prod, m, (uint32_t)a, &err), &err, 0);
			printf("\n");
			free(m);
		} else if (strncmp(line, "recv", 4) == 0) {
			uint32_t n = 0, i;
			if (sscanf(line, "recv %lu", &a) != 1)
				a = BIG_BUF;
			/* a buffer of exactly the length asked for (the whole max_message at
			 * most): an overrun is ASan's */
			free(rbuf);
			rbuf = malloc(a < region_len ? (a ? a : 1) : region_len);
			rc = shm_signal_ring_recv(&cons, rbuf, (uint32_t)a, &n, &err);
			print_result(rc, &err, n);
			if (rc == 0) {
				printf(" n=%lu ", (unsigned long)n);
				for (i = 0; i < n; i++)
					printf("%02x", rbuf[i]);
			}
			printf("\n");
		} else if (sscanf(line, "poke8 %lu %lu", &a, &b) == 2) { /* before "poke": a prefix of it */
			region[a] = (unsigned char)b;
			printf("ok\n");
		} else if (sscanf(line, "poke %lu %lu", &a, &b) == 2) {
			uint32_t v = (uint32_t)b;
			region[a] = (unsigned char)v;
			region[a + 1] = (unsigned char)(v >> 8);
			region[a + 2] = (unsigned char)(v >> 16);
			region[a + 3] = (unsigned char)(v >> 24);
			printf("ok\n");
		} else if (strncmp(line, "dump", 4) == 0) {
			size_t i;
			for (i = 0; i < region_len; i++)
				printf("%02x", region[i]);
			printf("\n");
		} else if (strncmp(line, "layout", 6) == 0) {
			printf("size=%lu base=%lu capacity=%lu max_message=%lu pos=%lu role=%lu fault=%lu fault_err=%lu\n",
			       (unsigned long)sizeof(struct shm_signal_ring),
			       (unsigned long)offsetof(struct shm_signal_ring, base),
			       (unsigned long)offsetof(struct shm_signal_ring, capacity),
			       (unsigned long)offsetof(struct shm_signal_ring, max_message),
			       (unsigned long)offsetof(struct shm_signal_ring, pos),
			       (unsigned long)offsetof(struct shm_signal_ring, role),
			       (unsigned long)offsetof(struct shm_signal_ring, fault),
			       (unsigned long)offsetof(struct shm_signal_ring, fault_err));
		} else if (sscanf(line, "stress %lu %lu %lu %lu", &a, &b, &c, &d) == 4) {
			if (stress((uint32_t)a, (uint32_t)b, c, d))
				return 1;
		} else if (sscanf(line, "threads %lu %lu %lu %lu", &a, &b, &c, &d) == 4) {
			if (threads((uint32_t)a, (uint32_t)b, c, d))
				return 1;
		} else {
			fprintf(stderr, "not a command: %s", line);
			return 2;
		}
	}
	region_free(region);
	free(rbuf);
	return 0;
}
