/* SPDX-License-Identifier: MIT */
/*
 * ring_c.c - the C side of benchmarks/ring.py (Linux and other POSIX systems with
 * fork and MAP_ANONYMOUS), built by it with the C engine's sources:
 *
 *   ring_c c2c SIZE N CAPACITY       a producer and a consumer process (fork) over one
 *                                    MAP_SHARED mapping: N messages of SIZE bytes
 *                                    through a ring of CAPACITY data bytes
 *                                    (shm_signal_ring_send / _recv); each side
 *                                    busy-polls (pause, then sched_yield) on
 *                                    SHM_SIGNAL_E_FULL / _EMPTY
 *   ring_c memcpy SIZE N CAPACITY    the floor: the same bytes copied into a buffer of
 *                                    CAPACITY bytes and out again (two memcpys per
 *                                    message, as through the ring), one process
 *   ring_c consume PATH OFFSET SIZE N
 *                                    the consumer of a Python RingSender: attaches to
 *                                    the channel at offset 0 of PATH, takes the ring
 *                                    at OFFSET, waits on the channel when it is empty
 *                                    and injects when the producer may wait for room
 *                                    (spec 15.4), as RingReceiver does
 *
 * Each times the consumer from the start signal (c2c: its own "go"; consume: the
 * producer's "ready" message) to its last message, checks every message's length and
 * first byte (the sequence number, so that no copy can be optimised away and a lost
 * or reordered message fails the run), and prints "messages=N seconds=S".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm_signal_engine.h"

#define RING_AT 4096 /* the ring's offset in the c2c mapping; the "go" word is at 0 */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield");
#endif
}

/* A busy-poll's back-off: a few pauses (the other side is usually a copy away), then
 * give the CPU up (on one CPU, or a crowded machine, the other side needs it). */
static void relax(unsigned *spins)
{
	if (++*spins < 64)
		cpu_pause();
	else
		sched_yield();
}

static uint32_t round8(uint32_t n)
{
	return (n + 7u) & ~7u;
}

static int fail(const char *what, int rc, const struct shm_signal_error *e)
{
	fprintf(stderr, "ring_c: %s: %d (%s)\n", what, rc, e ? e->message : "");
	return 1;
}

static uint32_t max_message(uint32_t size, uint32_t capacity)
{
	uint32_t m = size > 65536u ? size : 65536u; /* as benchmarks/ring.py's rings */
	return m > capacity - 8u ? capacity - 8u : m;
}

static int c2c(uint32_t size, uint64_t n, uint32_t capacity)
{
	size_t len = RING_AT + SHM_SIGNAL_RING_HEADER + (size_t)capacity;
	unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *region = map + RING_AT;
	uint32_t *go = (uint32_t *)map;
	struct shm_signal_ring r;
	struct shm_signal_error e;
	unsigned char *buf;
	unsigned spins = 0;
	uint64_t i;
	int rc, status;
	double t0, t1;
	pid_t child;
	if (map == MAP_FAILED)
		return fail("mmap", errno, NULL);
	rc = shm_signal_ring_init(region, len - RING_AT, capacity, max_message(size, capacity), &e);
	if (rc)
		return fail("ring_init", rc, &e);
	buf = calloc(1, size ? size : 1);
	if (!buf)
		return fail("calloc", ENOMEM, NULL);
	child = fork();
	if (child < 0)
		return fail("fork", errno, NULL);
	if (child == 0) { /* the producer */
		rc = shm_signal_ring_open(&r, region, len - RING_AT, SHM_SIGNAL_RING_PRODUCER, &e);
		if (rc)
			_exit(fail("ring_open producer", rc, &e));
		while (!__atomic_load_n(go, __ATOMIC_ACQUIRE))
			relax(&spins);
		for (i = 0; i < n; i++) {
			if (size)
				buf[0] = (unsigned char)i;
			spins = 0;
			while ((rc = shm_signal_ring_send(&r, buf, size, &e)) == SHM_SIGNAL_E_FULL)
				relax(&spins);
			if (rc)
				_exit(fail("ring_send", rc, &e));
		}
		_exit(0);
	}
	rc = shm_signal_ring_open(&r, region, len - RING_AT, SHM_SIGNAL_RING_CONSUMER, &e);
	if (rc) {
		kill(child, SIGKILL);
		return fail("ring_open consumer", rc, &e);
	}
	t0 = now_s();
	__atomic_store_n(go, 1u, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		uint32_t got = 0;
		spins = 0;
		while ((rc = shm_signal_ring_recv(&r, buf, size ? size : 1, &got, &e)) == SHM_SIGNAL_E_EMPTY) {
			relax(&spins);
			/* (now and then: a producer that died sends nothing more) */
			if (spins % 4096 == 0 && waitpid(child, &status, WNOHANG) == child)
				return fail("the producer ended early, status", status, NULL);
		}
		if (rc) {
			kill(child, SIGKILL);
			return fail("ring_recv", rc, &e);
		}
		if (got != size || (size && buf[0] != (unsigned char)i)) {
			fprintf(stderr, "ring_c: message %llu: %u bytes, first byte %u\n", (unsigned long long)i, got,
				size ? buf[0] : 0u);
			kill(child, SIGKILL);
			return 1;
		}
	}
	t1 = now_s();
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail("the producer, status", status, NULL);
	free(buf);
	munmap(map, len);
	printf("messages=%llu seconds=%.9f\n", (unsigned long long)n, t1 - t0);
	return 0;
}

/* The floor: per message the producer's copy into the ring's memory and the
 * consumer's copy out of it, at the positions the ring's records would take (8-byte
 * header, payload rounded to 8, wrapping at the end), with none of the ring's work. */
static int floor_memcpy(uint32_t size, uint64_t n, uint32_t capacity)
{
	unsigned char *ring = aligned_alloc(64, capacity);
	unsigned char *src = calloc(1, size ? size : 1), *dst = calloc(1, size ? size : 1);
	uint32_t rec = 8u + round8(size), pos = 0;
	uint64_t i;
	double t0, t1;
	if (!ring || !src || !dst)
		return fail("alloc", ENOMEM, NULL);
	memset(ring, 0, capacity);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (size)
			src[0] = (unsigned char)i;
		if (pos + rec > capacity)
			pos = 0;
		memcpy(ring + pos + 8, src, size);
		memcpy(dst, ring + pos + 8, size);
		if (size && dst[0] != (unsigned char)i)
			return fail("memcpy check", (int)i, NULL);
		pos += rec;
	}
	t1 = now_s();
	free(ring);
	free(src);
	free(dst);
	printf("messages=%llu seconds=%.9f\n", (unsigned long long)n, t1 - t0);
	return 0;
}

static uint32_t ld_le32(const unsigned char *p)
{
	uint32_t v = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static int consume(const char *path, uint64_t offset, uint32_t size, uint64_t n)
{
	shm_signal_chan *ch = NULL;
	struct shm_signal_ring r;
	struct shm_signal_error e;
	struct stat st;
	unsigned char *map, *region, *buf = calloc(1, size > 5 ? size : 5);
	uint32_t room_for_any, calls, got;
	uint64_t i;
	int fd, rc, ready, more, started = 0;
	double t0 = 0, t1;
	if (!buf)
		return fail("calloc", ENOMEM, NULL);
	rc = shm_signal_attach(&ch, path, 0, 0, 0, 0, 10.0, &e);
	if (rc)
		return fail("attach", rc, &e);
	/* The ring is in the same file: a second mapping of it (the engine keeps its own
	 * to itself), coherent with the first. */
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		return fail("open", errno, NULL);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap", errno, NULL);
	region = map + offset;
	rc = shm_signal_ring_open(&r, region, (size_t)st.st_size - offset, SHM_SIGNAL_RING_CONSUMER, &e);
	if (rc)
		return fail("ring_open consumer", rc, &e);
	rc = shm_signal_enable(ch, &calls, &e);
	if (rc)
		return fail("enable", rc, &e);
	/* RingReceiver's rule: a producer can only be waiting for room if fewer bytes
	 * than its largest record were free, or the head moved meanwhile (a padding
	 * record it published before it found no room). */
	room_for_any = r.capacity - (8u + round8(r.max_message));
	for (i = 0; i < n + 1;) { /* the "ready" message, then n */
		uint32_t tail = r.pos, head = ld_le32(region + SHM_SIGNAL_RING_OFF_HEAD);
		rc = shm_signal_ring_recv(&r, buf, size > 5 ? size : 5, &got, &e);
		if (rc == SHM_SIGNAL_E_EMPTY) {
			rc = shm_signal_wait(ch, 30.0, &ready, &e);
			if (rc)
				return fail("wait", rc, &e);
			if (!ready)
				return fail("no message within 30 s", (int)i, NULL);
			rc = shm_signal_wakeup(ch, 0, &calls, &more, &e);
			if (rc)
				return fail("wakeup", rc, &e);
			continue;
		}
		if (rc)
			return fail("ring_recv", rc, &e);
		if (r.pos != tail && (head - tail > room_for_any || ld_le32(region + SHM_SIGNAL_RING_OFF_HEAD) != head)) {
			rc = shm_signal_inject(ch, NULL, &e);
			if (rc)
				return fail("inject", rc, &e);
		}
		if (!started) {
			if (got != 5 || memcmp(buf, "ready", 5) != 0)
				return fail("the first message is not \"ready\"", (int)got, NULL);
			started = 1;
			t0 = now_s();
		} else if (got != size) {
			return fail("a message of the wrong size", (int)got, NULL);
		}
		i++;
	}
	t1 = now_s();
	printf("messages=%llu seconds=%.9f\n", (unsigned long long)n, t1 - t0);
	fflush(stdout);
	shm_signal_close(ch);
	munmap(map, (size_t)st.st_size);
	close(fd);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && (!strcmp(argv[1], "c2c") || !strcmp(argv[1], "memcpy"))) {
		uint32_t size = (uint32_t)strtoul(argv[2], NULL, 10), cap = (uint32_t)strtoul(argv[4], NULL, 10);
		uint64_t n = strtoull(argv[3], NULL, 10);
		if (cap < 64 || (cap & (cap - 1)) || size > cap - 8u) {
			fprintf(stderr, "ring_c: CAPACITY a power of two >= 64, SIZE at most CAPACITY - 8\n");
			return 2;
		}
		return !strcmp(argv[1], "c2c") ? c2c(size, n, cap) : floor_memcpy(size, n, cap);
	}
	if (argc == 6 && !strcmp(argv[1], "consume"))
		return consume(argv[2], strtoull(argv[3], NULL, 10), (uint32_t)strtoul(argv[4], NULL, 10),
			       strtoull(argv[5], NULL, 10));
	fprintf(stderr, "usage: ring_c c2c|memcpy SIZE N CAPACITY | ring_c consume PATH OFFSET SIZE N\n");
	return 2;
}
