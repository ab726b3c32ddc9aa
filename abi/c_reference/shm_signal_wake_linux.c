/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wake_linux.c - the wake layer on Linux (docs/spec.md 8.1,
 * WAKE_ADDRESS): FUTEX_WAKE and FUTEX_WAIT on the record's 32-bit wait word (and on
 * a head's doorbell, spec 7.8), shared between processes (no FUTEX_PRIVATE_FLAG).
 * No objects to open or close.  Compiles to nothing on other OSes; see
 * shm_signal_wake.h.
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#if defined(__linux__)

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

uint64_t shm_signal_wake_supported(void)
{
	return SHM_SIGNAL_F_WAKE_ADDRESS;
}

void shm_signal_wake_address(void *word)
{
	/* No FUTEX_PRIVATE_FLAG: the waiter is another process. */
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

int shm_signal_wake_park_address(void *word, uint32_t raw, double s)
{
	/* The kernel's timespec for SYS_futex is two longs (on 32-bit: old_timespec32),
	 * whatever size the C library gives time_t (musl on 32-bit: 64-bit). */
	struct {
		long tv_sec;
		long tv_nsec;
	} ts;
	if (s > MAX_PARK_S)
		s = MAX_PARK_S;
	ts.tv_sec = (long)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	/* No timeout, no kernel timer to arm and cancel: about 0.5 us per park. */
	if (syscall(SYS_futex, word, FUTEX_WAIT, raw, s < 0 ? NULL : (void *)&ts, NULL, 0) != 0)
		return errno == ETIMEDOUT;
	return 0; /* EAGAIN (word changed) and EINTR are normal returns */
}

int shm_signal_wake_park_any(shm_signal_chan *const *chans, uint32_t *raws, const uint64_t *wake, uint32_t n,
			     double s)
{
	void *words[SHM_SIGNAL_WAIT_ANY_MAX];
	uint32_t ready[SHM_SIGNAL_WAIT_ANY_MAX], n_ready, i;
	double t0 = shm_signal_now_s();
	for (i = 0; i < n; i++) {
		if (!(wake[i] & SHM_SIGNAL_F_WAKE_ADDRESS))
			return SHM_SIGNAL_WAKE_NONE;
		words[i] = rec(chans[i], chans[i]->locality);
	}
	/* futex_waitv on every word against the value it was decided from (a kernel
	 * before 5.16 has none: the caller polls) */
	if (shm_signal_wait_words(words, raws, NULL, n, NULL, 0, s, ready, &n_ready) != 0)
		return SHM_SIGNAL_WAKE_NONE;
	return s >= 0 && shm_signal_now_s() - t0 >= s;
}

#endif /* __linux__ */
