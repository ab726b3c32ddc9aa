/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wait_words.c - waiting on many channels' wait words at once (the
 * primitive under the Python engine's WaitSet; Linux futex_waitv, kernel 5.16+).
 *
 * One call loads every word once, reports those with work (decided from that one
 * load, as a single wait does), and only if there is none parks on all of them with
 * futex_waitv, each compared against the value it was decided from: an inject that
 * lands between the load and the park changes the word, so the kernel refuses to
 * park (no lost wake-up, spec 7.5).  A process-local control word, compared against
 * the caller's value, lets another thread end the park (a registration change, a
 * cancelled asyncio wait, a helper thread reporting its group).
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#include <errno.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

#ifndef __NR_futex_waitv
#if defined(__linux__) && (defined(__mips__) || defined(__alpha__) || defined(__ia64__))
#define SHM_SIGNAL_NO_WAITV_NR 1 /* numbered differently there: not guessed */
#else
#define __NR_futex_waitv 449 /* the one number of every unified syscall table */
#endif
#endif

/* The kernel's struct futex_waitv (linux/futex.h, 5.16+), spelled out so that older
 * headers build too. */
struct shm_signal_futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};
#define WAITV_FUTEX_32 2u /* FUTEX_32; no FUTEX_PRIVATE_FLAG: the wakers are other processes */

/* The wait word without the owner's waiting byte (pad0, byte 3): what a watcher
 * compares against the value it saw last. */
static uint32_t sans_waiting(uint32_t raw)
{
	unsigned char b[4];
	memcpy(b, &raw, 4);
	b[F_WAITING] = 0;
	memcpy(&raw, b, 4);
	return raw;
}

static void set_waiting(void *const *words, const uint8_t *flags, uint32_t n, unsigned char v)
{
	uint32_t i;
	for (i = 0; flags && i < n; i++)
		if (flags[i] & SHM_SIGNAL_WORD_ANNOUNCE)
			st8((unsigned char *)words[i] + F_WAITING, v);
}

static int reported(const uint8_t *flags, uint32_t i, uint32_t raw)
{
	return !(flags && (flags[i] & SHM_SIGNAL_WORD_MUTED)) && word_has_work(raw);
}

int shm_signal_wait_words(void *const *words, uint32_t *vals, const uint8_t *flags, uint32_t n,
			  const uint32_t *control, uint32_t control_val, double timeout_s, uint32_t *ready,
			  uint32_t *n_ready)
{
	struct shm_signal_futex_waitv w[SHM_SIGNAL_WAIT_WORDS_MAX + 1];
	uint32_t i, found = 0, k = 0;
	int parking;
	if (!n_ready || (n && (!words || !ready)) || timeout_s != timeout_s || (vals && timeout_s == 0))
		return -EINVAL;
	*n_ready = 0;
	if (control && __atomic_load_n(control, __ATOMIC_ACQUIRE) != control_val)
		return 0;
	parking = timeout_s != 0 && n <= SHM_SIGNAL_WAIT_WORDS_MAX;
	if (parking && flags) {
		/* spec 7.5 with WAITER_FLAG: waiting = 1, F5, then the look the park compares */
		set_waiting(words, flags, n, 1);
		atomic_thread_fence(memory_order_seq_cst);
	}
	for (i = 0; i < n; i++) {
		uint32_t raw = ld_word_raw((const unsigned char *)words[i]);
		if (vals) {
			/* a watcher reports nothing before the park; any change since its last
			 * look (the waiting byte aside) makes the park return at once */
			if (sans_waiting(raw) != sans_waiting(vals[i]))
				raw = vals[i];
		} else if (reported(flags, i, raw)) {
			ready[found++] = i;
		}
		if (parking) {
			w[k].val = raw;
			w[k].uaddr = (uint64_t)(uintptr_t)words[i];
			w[k].flags = WAITV_FUTEX_32;
			w[k].reserved = 0;
			k++;
		}
	}
	atomic_thread_fence(memory_order_acquire);
	if (found || timeout_s == 0) {
		if (parking)
			set_waiting(words, flags, n, 0);
		*n_ready = found;
		return 0;
	}
	if (n > SHM_SIGNAL_WAIT_WORDS_MAX)
		return -E2BIG; /* the kernel parks on at most 128 words, the control one included */
#if defined(__linux__) && !defined(SHM_SIGNAL_NO_WAITV_NR)
	{
		struct {
			int64_t tv_sec;
			int64_t tv_nsec;
		} abs_ts; /* struct __kernel_timespec: 64-bit on every ABI */
		struct timespec now;
		long r;
		if (control) {
			w[k].val = control_val;
			w[k].uaddr = (uint64_t)(uintptr_t)control;
			w[k].flags = WAITV_FUTEX_32;
			w[k].reserved = 0;
			k++;
		}
		if (k == 0)
			return 0; /* n == 0 and no control word: nothing to park on */
		if (timeout_s > 0) {
			double s = timeout_s > MAX_PARK_S ? MAX_PARK_S : timeout_s;
			clock_gettime(CLOCK_MONOTONIC, &now);
			abs_ts.tv_sec = (int64_t)now.tv_sec + (int64_t)s;
			abs_ts.tv_nsec = (int64_t)now.tv_nsec + (int64_t)((s - (double)(int64_t)s) * 1e9);
			if (abs_ts.tv_nsec >= 1000000000) {
				abs_ts.tv_sec++;
				abs_ts.tv_nsec -= 1000000000;
			}
		}
		r = syscall(__NR_futex_waitv, w, k, 0, timeout_s > 0 ? (void *)&abs_ts : NULL,
			    CLOCK_MONOTONIC);
		set_waiting(words, flags, n, 0);
		if (r < 0 && errno != EAGAIN && errno != ETIMEDOUT && errno != EINTR)
			return -errno; /* ENOSYS: a kernel before 5.16, or a filter refusing it */
	}
#else
	(void)w;
	(void)k;
	set_waiting(words, flags, n, 0);
	return -ENOSYS; /* no futex_waitv on this OS */
#endif
	/* Once more, after the park: what woke us (or what came meanwhile). */
	found = 0;
	for (i = 0; i < n; i++) {
		uint32_t raw = ld_word_raw((const unsigned char *)words[i]);
		if (vals)
			vals[i] = raw;
		if (reported(flags, i, raw))
			ready[found++] = i;
	}
	atomic_thread_fence(memory_order_acquire);
	*n_ready = found;
	return 0;
}

/* Steps 2-4 of spec 7.8: waiting = 2 in every announcing word, F5, then load every
 * word once: the ones with work (not muted) go to ready[]. */
static uint32_t announce_and_look(void *const *words, const uint8_t *flags, uint32_t n, uint32_t *ready)
{
	uint32_t i, found = 0;
	set_waiting(words, flags, n, 2);
	atomic_thread_fence(memory_order_seq_cst); /* F5: the stores before the look */
	for (i = 0; i < n; i++)
		if (reported(flags, i, ld_word_raw((const unsigned char *)words[i])))
			ready[found++] = i;
	atomic_thread_fence(memory_order_acquire);
	return found;
}

/* Step 6 and the look that says what woke us, in one pass over the words: the look
 * needs no fence after the clear (work that a remote adds once it sees waiting = 0
 * is not rung for, and the next wait's look, after its F5, finds it). */
static uint32_t clear_and_look(void *const *words, const uint8_t *flags, uint32_t n, uint32_t *ready)
{
	uint32_t i, found = 0;
	for (i = 0; i < n; i++) {
		if (flags && (flags[i] & SHM_SIGNAL_WORD_ANNOUNCE))
			st8((unsigned char *)words[i] + F_WAITING, 0);
		if (reported(flags, i, ld_word_raw((const unsigned char *)words[i])))
			ready[found++] = i;
	}
	atomic_thread_fence(memory_order_acquire);
	return found;
}

int shm_signal_wait_doorbell(void *const *words, const uint8_t *flags, uint32_t n, void *doorbell,
			     uint32_t seen, double timeout_s, uint32_t *ready, uint32_t *n_ready)
{
	int rc = 0;
	uint32_t found;
	if (!doorbell || !n_ready || (n && (!words || !ready)) || timeout_s != timeout_s)
		return -EINVAL;
	found = announce_and_look(words, flags, n, ready);
	if (found == 0 && timeout_s != 0) {
		/* step 5: compare-and-wait on the doorbell against the value of step 1 */
		if (shm_signal_wake_park_address(doorbell, seen, timeout_s) == SHM_SIGNAL_WAKE_NONE)
			rc = -ENOSYS;
		found = clear_and_look(words, flags, n, ready);
	} else {
		set_waiting(words, flags, n, 0); /* step 6; ready[] is what step 4 found */
	}
	*n_ready = found;
	return rc;
}

int shm_signal_wait_doorbell_call(struct shm_signal_doorbell_wait *w)
{
	if (!w)
		return -EINVAL;
	w->rc = shm_signal_wait_doorbell(w->words, w->flags, w->n, w->doorbell, w->seen, w->timeout_s,
					 w->ready, &w->n_ready);
	return w->rc;
}

int shm_signal_watch_words(void *const *words, uint32_t *vals, const uint8_t *flags, uint32_t n,
			   const uint32_t *stop, uint32_t *bell)
{
	uint32_t ready[SHM_SIGNAL_WAIT_WORDS_MAX], n_ready;
	if (!stop || !bell || n > SHM_SIGNAL_WAIT_WORDS_MAX)
		return -EINVAL;
	for (;;) {
		int rc = shm_signal_wait_words(words, vals, flags, n, stop, 0, -1.0, ready, &n_ready);
		if (rc)
			return rc;
		if (__atomic_load_n(stop, __ATOMIC_ACQUIRE) != 0)
			return 0;
		if (n_ready) {
			/* no Python between the wake-up and the ring: the waiter runs sooner */
			shm_signal_ring_word(bell);
		}
	}
}

int shm_signal_ring_word(uint32_t *word)
{
	__atomic_add_fetch(word, 1, __ATOMIC_SEQ_CST);
	return shm_signal_wake_word(word);
}

int shm_signal_wake_word(uint32_t *word)
{
#if defined(__linux__)
	return (int)syscall(SYS_futex, (void *)word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
#else
	(void)word;
	return -ENOSYS;
#endif
}
