/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wait_any.c - spec 7.5 on many channels at once: block until one of
 * them is enabled with work, or its peer has gone, or the timeout passes.
 *
 * Each turn decides every channel from one load of its wait word (as
 * shm_signal_wait does); with none ready it announces the park on the channels
 * that negotiated WAITER_FLAG, fences, looks again, and parks on all of them at once
 * (futex_waitv on Linux, WaitForMultipleObjects on Windows; elsewhere, or with mixed
 * wake-up channels, short polling sleeps).  Each channel's peer is checked once per
 * its liveness interval; a channel whose check fails is reported ready, and the
 * caller's next shm_signal_wait on it returns the fault.
 */
#include "shm_signal_engine.h"
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#include <math.h>

static int waiter_flag(const shm_signal_chan *ch)
{
	return ch->negotiated && (ch->features & SHM_SIGNAL_F_WAITER_FLAG);
}

/* The ready channels' indexes into ready[], their number; raws[] gets each word. */
static uint32_t look(shm_signal_chan *const *chans, uint32_t n, uint32_t *raws, uint32_t *ready,
		     const int *gone)
{
	uint32_t i, found = 0;
	for (i = 0; i < n; i++) {
		raws[i] = ld_word_raw(rec(chans[i], chans[i]->locality));
		if (gone[i] || word_has_work(raws[i]))
			ready[found++] = i;
	}
	atomic_thread_fence(memory_order_acquire);
	return found;
}

static void set_waiting(shm_signal_chan *const *chans, uint32_t n, unsigned char v)
{
	uint32_t i;
	for (i = 0; i < n; i++)
		if (waiter_flag(chans[i]))
			st8(rec(chans[i], chans[i]->locality) + F_WAITING, v);
}

int shm_signal_wait_any(shm_signal_chan *const *chans, uint32_t n, double timeout_s, uint32_t *ready,
			uint32_t *n_ready, struct shm_signal_error *err)
{
	uint32_t raws[SHM_SIGNAL_WAIT_ANY_MAX], i, j;
	int gone[SHM_SIGNAL_WAIT_ANY_MAX] = {0};
	double deadline;
	int rc;
	if (n_ready)
		*n_ready = 0;
	if (!chans || !ready || !n_ready || n == 0 || n > SHM_SIGNAL_WAIT_ANY_MAX)
		return set_err(err, SHM_SIGNAL_E_ARG, "n", -1, "1 .. 64 channels, ready and n_ready", NULL,
			       "wait_any takes 1 to %u channels (more: one thread per group)",
			       (unsigned)SHM_SIGNAL_WAIT_ANY_MAX);
	if (isnan(timeout_s))
		return set_err(err, SHM_SIGNAL_E_ARG, "timeout_s", -1, "a number of seconds (< 0: no limit)",
			       "nan", "the timeout is not a number");
	for (i = 0; i < n; i++) {
		if ((rc = shm_signal_check_open(chans[i], err)) != 0)
			return rc;
		for (j = 0; j < i; j++)
			if (chans[j] == chans[i])
				return set_err(err, SHM_SIGNAL_E_ARG, "chans", -1, "distinct channels", NULL,
					       "channel %u is channel %u again", (unsigned)i, (unsigned)j);
	}
	deadline = timeout_s < 0 ? -1.0 : shm_signal_now_s() + timeout_s;
	for (;;) {
		double now = shm_signal_now_s(), slice = -1.0;
		for (i = 0; i < n; i++) {
			shm_signal_chan *ch = chans[i];
			int due = ch->any_checked == 0 || now - ch->any_checked >= ch->liveness_s;
			if (!ch->negotiated && shm_signal_refresh_features(ch, NULL) != 0)
				gone[i] = 1; /* BAD_FEATURES: its own wait reports it */
			if (!gone[i] && shm_signal_peer_fault(ch, due, NULL) != 0)
				gone[i] = 1;
			if (due)
				ch->any_checked = now;
			if (ch->negotiated && !(ch->features & SHM_SIGNAL_F_LIVENESS_LOCK))
				continue; /* nothing to re-check: close always wakes us */
			if (slice < 0 || ch->any_checked + ch->liveness_s - now < slice)
				slice = ch->any_checked + ch->liveness_s - now;
		}
		*n_ready = look(chans, n, raws, ready, gone);
		if (*n_ready || (deadline >= 0 && now >= deadline))
			return 0;
		if (deadline >= 0 && (slice < 0 || deadline - now < slice))
			slice = deadline - now;
		/* spec 7.5: waiting = 1, F5, look once more, park on those words */
		set_waiting(chans, n, 1);
		atomic_thread_fence(memory_order_seq_cst);
		*n_ready = look(chans, n, raws, ready, gone);
		if (*n_ready == 0)
			shm_signal_park_any(chans, raws, n, slice < 0 ? -1.0 : slice);
		set_waiting(chans, n, 0);
		if (*n_ready)
			return 0;
	}
}
