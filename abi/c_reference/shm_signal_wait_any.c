/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wait_any.c - spec 7.5 on many channels at once: block until one of
 * them is enabled with work, or its peer has gone, or the timeout passes.
 *
 * Each turn decides every channel from one load of its wait word (as
 * shm_signal_wait does); with none ready it announces the park, fences, looks again,
 * and parks.  Where every channel negotiated GROUP_DOORBELL, in one file, as one
 * locality, it parks on that locality's doorbell in the file's head (spec 7.8: any
 * number of channels, one address; what lets macOS park rather than poll).
 * Otherwise it announces on the channels that negotiated WAITER_FLAG and parks on
 * all of them at once (futex_waitv on Linux, WaitForMultipleObjects on Windows;
 * elsewhere, or with mixed wake-up channels, short polling sleeps).  Each channel's
 * peer is checked once per its liveness interval; a channel whose check fails is
 * reported ready, and the caller's next shm_signal_wait on it returns the fault.
 */
#include "shm_signal_engine.h"
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#include <math.h>

static int waiter_flag(const shm_signal_chan *ch)
{
	return ch->negotiated && (ch->features & SHM_SIGNAL_F_WAITER_FLAG);
}

/* Each channel's liveness (the system calls once per its liveness interval, the
 * remote's state every time) and a look at its word, in one pass: the indexes of the
 * ready ones (work, or a peer gone) go to ready[], their number is returned; raws[]
 * (if not NULL) gets each word; *slice the time to the next check due (< 0: none). */
static uint32_t check_and_look(shm_signal_chan *const *chans, uint32_t n, double now, uint32_t *raws,
			       uint32_t *ready, double *slice)
{
	uint32_t i, found = 0;
	*slice = -1.0;
	for (i = 0; i < n; i++) {
		shm_signal_chan *ch = chans[i];
		int due = ch->any_checked == 0 || now - ch->any_checked >= ch->liveness_s;
		uint32_t raw;
		if (!ch->negotiated && shm_signal_refresh_features(ch, NULL) != 0)
			ch->any_gone = 1; /* BAD_FEATURES: its own wait reports it */
		if (!ch->any_gone && shm_signal_peer_fault(ch, due, NULL) != 0)
			ch->any_gone = 1;
		if (due)
			ch->any_checked = now;
		if (!ch->negotiated || (ch->features & SHM_SIGNAL_F_LIVENESS_LOCK)) {
			double left = ch->any_checked + ch->liveness_s - now;
			if (*slice < 0 || left < *slice)
				*slice = left;
		} /* else nothing to re-check: close always wakes us */
		raw = ld_word_raw(rec(ch, ch->locality));
		if (raws)
			raws[i] = raw;
		if (ch->any_gone || word_has_work(raw))
			ready[found++] = i;
	}
	atomic_thread_fence(memory_order_acquire);
	return found;
}

/* A look at every word: the indexes of those with work go to ready[]. */
static uint32_t look(shm_signal_chan *const *chans, uint32_t n, uint32_t *raws, uint32_t *ready)
{
	uint32_t i, found = 0;
	for (i = 0; i < n; i++) {
		uint32_t raw = ld_word_raw(rec(chans[i], chans[i]->locality));
		if (raws)
			raws[i] = raw;
		if (word_has_work(raw))
			ready[found++] = i;
	}
	atomic_thread_fence(memory_order_acquire);
	return found;
}

/* The waiting byte of each channel that negotiated WAITER_FLAG (all of them on the
 * doorbell, which needs it): 1 parked on its word, 2 on the doorbell, 0 neither. */
static void set_waiting(shm_signal_chan *const *chans, uint32_t n, unsigned char v)
{
	uint32_t i;
	for (i = 0; i < n; i++)
		if (waiter_flag(chans[i]))
			st8(rec(chans[i], chans[i]->locality) + F_WAITING, v);
}

/* Step 6 of spec 7.8 and the look that says what woke us (or what the look before
 * the park found), in one pass (as shm_signal_wait_doorbell: no fence is needed
 * between them). */
static uint32_t clear_and_look(shm_signal_chan *const *chans, uint32_t n, uint32_t *ready)
{
	uint32_t i, found = 0;
	for (i = 0; i < n; i++) {
		unsigned char *r = rec(chans[i], chans[i]->locality);
		st8(r + F_WAITING, 0); /* every one negotiated WAITER_FLAG: the doorbell needs it */
		if (word_has_work(ld_word_raw(r)))
			ready[found++] = i;
	}
	atomic_thread_fence(memory_order_acquire);
	return found;
}

/* Before the first turn, in one pass: every channel open and listed once (a mark in
 * each, cleared again: a channel is used by one thread at a time), its negotiation
 * looked at, and whether all share one doorbell (spec 7.8: every one negotiated
 * GROUP_DOORBELL, in one file, as one locality).  0, or the error. */
static int prepare(shm_signal_chan *const *chans, uint32_t n, int *bell, struct shm_signal_error *err)
{
	uint32_t i, j, dup = n;
	int rc = 0;
	*bell = 1;
	for (i = 0; i < n; i++) {
		shm_signal_chan *ch = chans[i];
		if ((rc = shm_signal_check_open(ch, err)) != 0)
			break;
		if (ch->any_mark) {
			dup = i;
			break;
		}
		ch->any_mark = 1;
		ch->any_index = i;
		ch->any_gone = 0;
		if (!ch->negotiated && shm_signal_refresh_features(ch, NULL) != 0)
			ch->any_gone = 1; /* BAD_FEATURES: its own wait reports it */
		if (!has_doorbell(ch) || ch->file != chans[0]->file || ch->locality != chans[0]->locality)
			*bell = 0;
	}
	for (j = 0; j < i; j++)
		chans[j]->any_mark = 0;
	if (dup < n)
		return set_err(err, SHM_SIGNAL_E_ARG, "chans", -1, "distinct channels", NULL,
			       "channel %u is channel %u again", (unsigned)dup, (unsigned)chans[dup]->any_index);
	return rc;
}

int shm_signal_wait_any(shm_signal_chan *const *chans, uint32_t n, double timeout_s, uint32_t *ready,
			uint32_t *n_ready, struct shm_signal_error *err)
{
	uint32_t raws[SHM_SIGNAL_WAIT_ANY_MAX];
	double deadline;
	int rc, bell;
	if (n_ready)
		*n_ready = 0;
	if (!chans || !ready || !n_ready || n == 0)
		return set_err(err, SHM_SIGNAL_E_ARG, "n", -1, "1 or more channels, ready and n_ready", NULL,
			       "wait_any takes 1 to %u channels (more: all on one doorbell, or one "
			       "thread per group)", (unsigned)SHM_SIGNAL_WAIT_ANY_MAX);
	if (isnan(timeout_s))
		return set_err(err, SHM_SIGNAL_E_ARG, "timeout_s", -1, "a number of seconds (< 0: no limit)",
			       "nan", "the timeout is not a number");
	/* A negotiated set never changes, so one that has a doorbell keeps it; a set that
	 * has none now may get one as its peers attach (then the next call uses it). */
	if ((rc = prepare(chans, n, &bell, err)) != 0)
		return rc;
	if (n > SHM_SIGNAL_WAIT_ANY_MAX && !bell)
		return set_err(err, SHM_SIGNAL_E_ARG, "n", -1, "1 .. 64 channels, or any number on one doorbell",
			       NULL, "wait_any takes 1 to %u channels unless every one negotiated "
			       "GROUP_DOORBELL, in one file, as one locality (more: one thread per group)",
			       (unsigned)SHM_SIGNAL_WAIT_ANY_MAX);
	deadline = timeout_s < 0 ? -1.0 : shm_signal_now_s() + timeout_s;
	for (;;) {
		double now = shm_signal_now_s(), slice;
		*n_ready = check_and_look(chans, n, now, bell ? NULL : raws, ready, &slice);
		if (*n_ready || (deadline >= 0 && now >= deadline))
			return 0;
		if (deadline >= 0 && (slice < 0 || deadline - now < slice))
			slice = deadline - now;
		if (bell) {
			/* spec 7.8: load the doorbell, F8, waiting = 2, F5, look, park on the
			 * doorbell against what it held before the announce; clear and look */
			unsigned char *d = doorbell(chans[0], chans[0]->locality);
			uint32_t s = ld_word_raw(d);
			atomic_thread_fence(memory_order_seq_cst); /* F8 */
			set_waiting(chans, n, 2);
			atomic_thread_fence(memory_order_seq_cst); /* F5 */
			if (look(chans, n, NULL, ready) == 0)
				shm_signal_park_doorbell(chans, n, d, s, slice < 0 ? -1.0 : slice);
			/* (work the look found is still there: only this thread consumes it) */
			if ((*n_ready = clear_and_look(chans, n, ready)) != 0)
				return 0; /* (the peers were checked this turn, before the park) */
		} else {
			/* spec 7.5: waiting = 1, F5, look once more, park on those words */
			set_waiting(chans, n, 1);
			atomic_thread_fence(memory_order_seq_cst);
			*n_ready = look(chans, n, raws, ready);
			if (*n_ready == 0)
				shm_signal_park_any(chans, raws, n, slice < 0 ? -1.0 : slice);
			set_waiting(chans, n, 0);
			if (*n_ready)
				return 0;
		}
	}
}
