/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_atomic.c - memory-ordering primitives for peers written in languages
 * that cannot fence on their own (the Python engine calls these through ctypes).
 *
 * Each store-then-load point of the protocol (docs/spec.md section 7) is one call:
 * release fence (F0), store one flag byte, full fence (F1..F4), load the 32-bit wait
 * word.  Doing the whole sequence in one call costs one foreign call instead of three.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#if defined(_WIN32)
#include <windows.h>
#else
#include <time.h>
#endif
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#endif

#include "shm_signal.h" /* struct shm_signal_irq, shm_signal_load_le32 */
#include "shm_signal_atomic.h"

double shm_signal_now_s(void)
{
#if defined(_WIN32)
	LARGE_INTEGER f, c;
	QueryPerformanceFrequency(&f);
	QueryPerformanceCounter(&c);
	return (double)c.QuadPart / (double)f.QuadPart;
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

void shm_signal_cpu_relax(void)
{
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
	_mm_pause();
#elif defined(_MSC_VER) && defined(_M_ARM64)
	__yield();
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
	__builtin_ia32_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && \
	(defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7))
	__asm__ __volatile__("yield");
#endif
}

void shm_signal_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

uint32_t shm_signal_load_word(const void *word)
{
	/* One 32-bit load, so the three flags are read at one instant; returned in the
	 * ABI's byte order (enabled in bits 0-7, pending 8-15, dirty 16-23). */
	uint32_t w = atomic_load_explicit((const _Atomic uint32_t *)word, memory_order_relaxed);
	unsigned char b[4];
	memcpy(b, &w, sizeof b);
	return shm_signal_load_le32(b);
}

uint32_t shm_signal_store_fence_load(void *flag, uint8_t value, const void *word)
{
	atomic_thread_fence(memory_order_release); /* F0: earlier writes before the flag */
	atomic_store_explicit((_Atomic uint8_t *)flag, value, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst); /* the store-then-load fence */
	return shm_signal_load_word(word);
}

/*
 * Fused protocol steps.  A foreign call from an interpreter costs far more than the
 * fences in it (about 0.1 us per call and per argument through ctypes), so the hot
 * paths of spec 7.1, 7.2 and 7.5 are one call each.  They decide nothing the spec leaves
 * to the engine: budgets, notifier calls, counters and wake-ups stay with the caller.
 * Offsets within a record: those of struct shm_signal_irq; waiting is its pad0.
 */
#define ENABLED offsetof(struct shm_signal_irq, enabled)
#define PENDING offsetof(struct shm_signal_irq, pending)
#define DIRTY offsetof(struct shm_signal_irq, dirty)
#define WAITING offsetof(struct shm_signal_irq, pad0)

static uint8_t ld8(const unsigned char *r, size_t off)
{
	return atomic_load_explicit((const _Atomic uint8_t *)(r + off), memory_order_relaxed);
}

static void st8(unsigned char *r, size_t off, uint8_t v)
{
	atomic_store_explicit((_Atomic uint8_t *)(r + off), v, memory_order_relaxed);
}

static int fired(const struct shm_signal_side *s)
{
	return s->fired && atomic_load_explicit((const _Atomic uint32_t *)s->fired, memory_order_relaxed);
}

/* enabled and (dirty or pending): there is work for the owner. */
static int has_work(const unsigned char *r)
{
	return ld8(r, ENABLED) == 1 && (ld8(r, DIRTY) != 0 || ld8(r, PENDING) != 0);
}

int shm_signal_side_inject(const struct shm_signal_side *s)
{
	unsigned char *r = (unsigned char *)s->remote;
	if (fired(s))
		return SHM_SIGNAL_SIDE_FAULT;
	atomic_thread_fence(memory_order_release); /* F0 */
	st8(r, DIRTY, 1);                           /* dirty = 1 */
	atomic_thread_fence(memory_order_seq_cst); /* F1 */
	if (ld8(r, ENABLED) != 1 || ld8(r, PENDING) != 0)
		return 0; /* disabled, or a notification is already in flight */
	st8(r, PENDING, 1);
	if (s->waiter_flag) {
		atomic_thread_fence(memory_order_seq_cst); /* F6: then re-read waiting */
		/* 0: not parked, the owner finds dirty itself (7.5); else where it parks
		 * (7.8: bit 1 the doorbell) */
		return ld8(r, WAITING);
	}
	return 1;
}

uint32_t shm_signal_ring_le32(void *word)
{
	/* F7 (spec 7.8): add 1 to the little-endian counter at `word`, atomically (several
	 * remotes may ring one doorbell) and as a full fence. */
	_Atomic uint32_t *a = (_Atomic uint32_t *)word;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	/* The raw word is the counter byte-swapped: exchange the swapped sum.  A hostile
	 * ringer could make this fail forever, so after a bound the add of 1 to the low
	 * byte alone (no carry into the others, but a change all the same) lands. */
	uint32_t old = atomic_load_explicit(a, memory_order_relaxed);
	int i;
	for (i = 0; i < 1000; i++) {
		unsigned char b[4];
		uint32_t raw;
		memcpy(b, &old, 4);
		shm_signal_store_le32(b, shm_signal_load_le32(b) + 1);
		memcpy(&raw, b, 4);
		if (atomic_compare_exchange_weak_explicit(a, &old, raw, memory_order_seq_cst, memory_order_relaxed))
			return shm_signal_load_le32((const unsigned char *)&old);
	}
	old = atomic_fetch_add_explicit(a, UINT32_C(1) << 24, memory_order_seq_cst);
	return shm_signal_load_le32((const unsigned char *)&old);
#else
	return atomic_fetch_add_explicit(a, 1, memory_order_seq_cst);
#endif
}

int shm_signal_side_step(const struct shm_signal_side *s)
{
	unsigned char *r = (unsigned char *)s->own;
	if (fired(s))
		return SHM_SIGNAL_SIDE_FAULT;
	if (!has_work(r))
		return SHM_SIGNAL_STEP_DONE;
	if (ld8(r, DIRTY) != 0) {
		st8(r, DIRTY, 0);                           /* dirty = 0 */
		atomic_thread_fence(memory_order_seq_cst); /* F2: then read the shared state */
		return SHM_SIGNAL_STEP_NOTIFY;
	}
	st8(r, PENDING, 0);                         /* pending = 0 */
	atomic_thread_fence(memory_order_seq_cst); /* F3: then re-read dirty */
	if (has_work(r))
		return SHM_SIGNAL_STEP_AGAIN;
	return SHM_SIGNAL_STEP_DONE;
}

int shm_signal_side_announce_park(const struct shm_signal_side *s)
{
	unsigned char *r = (unsigned char *)s->own;
	if (fired(s))
		return SHM_SIGNAL_SIDE_FAULT;
	st8(r, WAITING, 1);                         /* waiting = 1 */
	atomic_thread_fence(memory_order_seq_cst); /* F5: then look for work once more */
	return has_work(r);
}

int shm_signal_side_spin(const struct shm_signal_side *s)
{
	const unsigned char *r = (const unsigned char *)s->own;
	double until;
	unsigned i;
	if (fired(s))
		return SHM_SIGNAL_SIDE_FAULT;
	if (has_work(r))
		return 1;
	if (!(s->spin_s > 0))
		return 0;
	until = shm_signal_now_s() + s->spin_s;
	do {
		for (i = 0; i < 64; i++) { /* the clock costs more than a look */
			if (has_work(r))
				return 1;
			shm_signal_cpu_relax();
		}
		if (fired(s))
			return SHM_SIGNAL_SIDE_FAULT;
	} while (shm_signal_now_s() < until);
	return 0;
}

int shm_signal_side_spin_step(const struct shm_signal_side *s)
{
	int r = shm_signal_side_spin(s);
	if (r == 0)
		return SHM_SIGNAL_STEP_IDLE;
	if (r < 0)
		return r;
	return shm_signal_side_step(s);
}
