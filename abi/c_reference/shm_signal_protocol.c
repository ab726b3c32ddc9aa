/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_protocol.c - the protocol of docs/spec.md section 7 on an open channel,
 * with the fences F0-F6 at exactly the points the spec names: inject (7.1), wakeup
 * (7.2), enable and disable (7.3), wait (7.5, with the count of lost wake-ups), close
 * (spec 9), the liveness and state checks of the remote (spec 9), and the channel's
 * settings, counters and accessors.  Wake-ups go through shm_signal_wake.h.
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#include <math.h>
#include <stdio.h>

static int fired(const shm_signal_chan *ch)
{
	return atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)&ch->map->fired, memory_order_relaxed) != 0;
}

int shm_signal_check_open(const shm_signal_chan *ch, struct shm_signal_error *err)
{
	if (!ch || ch->closed)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "channel is closed or NULL");
	/* Once the guard answered a fault in this mapping, it is partly private: never
	 * go on as if the peer could see us (spec 9). */
	if (fired(ch))
		return set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", -1, NULL, NULL,
			       "the file shrank under the mapping (the truncation guard answered a fault)");
	return 0;
}

/* The remote's state `st` (spec 9, "States"): 0, or BAD_STATE for a value the spec
 * does not define, or for empty once the remote was attached. */
static int remote_state(shm_signal_chan *ch, uint32_t st, struct shm_signal_error *err)
{
	if (st == SHM_SIGNAL_STATE_ATTACHED) {
		ch->peer_seen = 1;
		return 0;
	}
	if (st > SHM_SIGNAL_STATE_CLOSED)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, state_field[ch->remote],
				R_AT(ch->remote, state),
				"the remote's state is not one the spec defines", "0, 1 or 2", st);
	if (st == SHM_SIGNAL_STATE_EMPTY && ch->peer_seen)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, state_field[ch->remote],
				R_AT(ch->remote, state),
				"the remote's record reads empty after it was attached", "1 or 2", st);
	return 0;
}

/* Spec 7.1 against record `o` (the remote's). */
static int inject_into(shm_signal_chan *ch, uint32_t o)
{
	unsigned char *r = rec(ch, o);
	uint8_t w = 1; /* where O is parked; without WAITER_FLAG: on the channel */
	ch->stats.injects++;
	atomic_thread_fence(memory_order_release); /* F0 */
	st8(r + F_DIRTY, 1);
	atomic_thread_fence(memory_order_seq_cst); /* F1: store dirty, then load enabled/pending */
	if (ld8(r + F_ENABLED) == 1 && ld8(r + F_PENDING) == 0) {
		st8(r + F_PENDING, 1);
		/* spec 7.1 step 5 / 7.5: an owner that is not parked finds the work itself.
		 * The waiting byte is read again after a fence that follows the pending
		 * store: the owner may have consumed our dirty in a wakeup already running
		 * (its own dirty = 0 store), passed F3, and be about to park; then only
		 * pending can stop it, and pending against its waiting = 1 is one more
		 * store-then-load pair (F6 here, F5 there).  Reading waiting before the
		 * pending store loses that wake-up: measured, 6 of 20 stress runs stalled. */
		if (ch->negotiated && (ch->features & SHM_SIGNAL_F_WAITER_FLAG)) {
			atomic_thread_fence(memory_order_seq_cst); /* F6 */
			w = ld8(r + F_WAITING);
			if (w == 0)
				return 0;
		}
		/* notify_count has a single writer: the remote (us); one per notification,
		 * whether it goes to the doorbell, the channel or both */
		if (ch->negotiated && (ch->features & SHM_SIGNAL_F_NOTIFY_COUNT))
			st64(r + R_OFF(notify_count), ld64(r + R_OFF(notify_count)) + 1);
		ch->stats.notifications++;
		/* spec 7.8: bit 1 of the waiting byte, O parked on the doorbell: ring it; any
		 * other bit (a confused owner's too), or no GROUP_DOORBELL: the channel */
		if (has_doorbell(ch) && (w & 2)) {
			shm_signal_ring(ch, o);
			if (!(w & ~2))
				return 1;
		}
		shm_signal_notify(ch, o);
		return 1;
	}
	return 0;
}

int shm_signal_inject(shm_signal_chan *ch, int *notified, struct shm_signal_error *err)
{
	int rc = shm_signal_check_open(ch, err), n;
	if (notified)
		*notified = 0;
	if (rc)
		return rc;
	if (!ch->negotiated && (rc = shm_signal_refresh_features(ch, err)) != 0)
		return rc;
	rc = remote_state(ch, ld32(rec(ch, ch->remote) + R_OFF(state)), err);
	if (rc)
		return rc;
	n = inject_into(ch, ch->remote);
	if (notified)
		*notified = n;
	return 0;
}

int shm_signal_wakeup(shm_signal_chan *ch, uint32_t budget, uint32_t *calls, int *more,
		      struct shm_signal_error *err)
{
	unsigned char *r;
	uint32_t n = 0, rounds = 0;
	int rc = shm_signal_check_open(ch, err);
	if (calls)
		*calls = 0;
	if (more)
		*more = 0;
	if (rc)
		return rc;
	if (budget == 0)
		budget = ch->budget;
	r = rec(ch, ch->locality);
	ch->stats.wakeups++;
	while (ld8(r + F_ENABLED) == 1 && (ld8(r + F_DIRTY) == 1 || ld8(r + F_PENDING) == 1)) {
		while (ld8(r + F_DIRTY) == 1) {
			/* Budget spent with dirty still set: return "more work", pending
			 * stays 1 (spec 7.2); checked before a call, so it never reports
			 * more work when there is none. */
			if (n >= budget) {
				if (calls)
					*calls = n;
				if (more)
					*more = 1;
				return 0;
			}
			st8(r + F_DIRTY, 0);
			atomic_thread_fence(memory_order_seq_cst); /* F2 */
			n++;
			ch->stats.notifier_calls++;
			if (ch->notifier && ch->notifier(ch->notifier_ctx) != 0) {
				if (calls)
					*calls = n;
				return set_err(err, SHM_SIGNAL_E_NOTIFIER, NULL, -1, NULL, NULL,
					       "the notifier failed; dirty stays cleared, pending as it was");
			}
		}
		st8(r + F_PENDING, 0);
		atomic_thread_fence(memory_order_seq_cst); /* F3: store pending, then load dirty */
		/* A remote that sets pending forever without dirty must not hold us here. */
		if (++rounds >= budget) {
			if (more)
				*more = ld8(r + F_DIRTY) == 1 || ld8(r + F_PENDING) == 1;
			break;
		}
	}
	if (calls)
		*calls = n;
	return 0;
}

int shm_signal_enable(shm_signal_chan *ch, uint32_t *calls, struct shm_signal_error *err)
{
	unsigned char *r;
	int rc = shm_signal_check_open(ch, err);
	if (calls)
		*calls = 0;
	if (rc)
		return rc;
	r = rec(ch, ch->locality);
	st8(r + F_ENABLED, 1);
	atomic_thread_fence(memory_order_seq_cst); /* F4: store enabled, then load dirty */
	if (ld8(r + F_DIRTY) == 1 || ld8(r + F_PENDING) == 1)
		return shm_signal_wakeup(ch, 0, calls, NULL, err);
	return 0;
}

int shm_signal_disable(shm_signal_chan *ch, struct shm_signal_error *err)
{
	int rc = shm_signal_check_open(ch, err);
	if (rc)
		return rc;
	st8(rec(ch, ch->locality) + F_ENABLED, 0); /* no fence: a racing notification is harmless */
	return 0;
}

int shm_signal_peer_fault(shm_signal_chan *ch, int check_lock, struct shm_signal_error *err)
{
	uint32_t st;
	uint64_t len = 0;
	int rc;
	/* A file shrunk under the mapping (the guard answered or will answer its SIGBUS). */
	if (check_lock && shm_signal_file_size(ch->file, &len, NULL) == 0 && len < ch->map->len)
		return set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", -1, NULL, NULL,
			       "the file shrank under the mapping to %llu bytes (mapped: %llu)",
			       (unsigned long long)len, (unsigned long long)ch->map->len);
	st = ld32(rec(ch, ch->remote) + R_OFF(state));
	if (st == SHM_SIGNAL_STATE_ATTACHED && check_lock && ch->negotiated &&
	    (ch->features & SHM_SIGNAL_F_LIVENESS_LOCK) &&
	    !shm_signal_file_lock_held(ch->file, lock_offset(ch, ch->remote))) {
		/* re-read: a peer that closed between the two loads is closed, not dead */
		st = ld32(rec(ch, ch->remote) + R_OFF(state));
		if (st == SHM_SIGNAL_STATE_ATTACHED)
			return set_err(err, SHM_SIGNAL_FAULT_PEER_DEAD, state_field[ch->remote],
				       R_AT(ch->remote, state), "a held liveness lock", "1",
				       "the remote peer died without closing (its lock is free)");
	}
	rc = remote_state(ch, st, err);
	if (rc)
		return rc;
	if (st == SHM_SIGNAL_STATE_CLOSED)
		return set_err(err, SHM_SIGNAL_FAULT_PEER_CLOSED, state_field[ch->remote],
			       R_AT(ch->remote, state), NULL, "2", "the remote peer closed the channel");
	return 0;
}

int shm_signal_check_peer(shm_signal_chan *ch, struct shm_signal_error *err)
{
	int rc = shm_signal_check_open(ch, err);
	if (rc)
		return rc;
	if (!ch->negotiated && (rc = shm_signal_refresh_features(ch, err)) != 0)
		return rc;
	return shm_signal_peer_fault(ch, 1, err);
}

/* A timed-out park found a notification pending while enabled.  The remote sets
 * pending, adds 1 to notify_count, then wakes: if the count seen before the park has
 * not moved LATE_GRACE_S later, the wake-up was lost.  Settled at a later wait or at
 * get_stats, so that counting it costs the waiting caller no time. */
static void late_candidate(shm_signal_chan *ch, uint64_t count_before_park)
{
	if (!ch->late_armed || ch->late_count != count_before_park) {
		ch->late_armed = 1;
		ch->late_count = count_before_park;
		ch->late_since = shm_signal_now_s();
	}
}

static void settle_late(shm_signal_chan *ch)
{
	if (!ch->late_armed || fired(ch))
		return;
	if (ld64(rec(ch, ch->locality) + R_OFF(notify_count)) != ch->late_count) {
		ch->late_armed = 0; /* the notification came */
	} else if (shm_signal_now_s() - ch->late_since >= LATE_GRACE_S) {
		ch->late_armed = 0;
		ch->stats.late++;
	}
}

/* The channel's spin before a park (shm_signal_spin.c): 1 when work came (or was
 * there at the first look), 0 when the spin ended without it, or there was none, or
 * the guard fired (the wait's loop reports that).  Only a spin that had to wait
 * teaches "auto" anything. */
static int spin_for_work(shm_signal_chan *ch, const unsigned char *r, double timeout_s)
{
	double spin, start, until, late_after;
	unsigned i;
	if (word_has_work(ld_word_raw(r))) {
		atomic_thread_fence(memory_order_acquire);
		return 1;
	}
	spin = shm_signal_spin_pick(&ch->spin);
	if (timeout_s >= 0 && timeout_s < spin)
		spin = timeout_s;
	if (!(spin > 0))
		return 0;
	start = shm_signal_now_s();
	until = start + spin;
	late_after = start + SHM_SIGNAL_AUTO_SPIN_S;
	do {
		for (i = 0; i < 64; i++) { /* the clock costs more than a look */
			if (word_has_work(ld_word_raw(r))) {
				atomic_thread_fence(memory_order_acquire);
				shm_signal_spin_learn(&ch->spin, 1, shm_signal_now_s() > late_after);
				return 1;
			}
			shm_signal_cpu_relax();
		}
		if (fired(ch))
			return 0;
	} while (shm_signal_now_s() < until);
	shm_signal_spin_learn(&ch->spin, 0, 0);
	return 0;
}

int shm_signal_wait(shm_signal_chan *ch, double timeout_s, int *ready, struct shm_signal_error *err)
{
	unsigned char *r;
	double deadline, last_check = -1.0;
	int rc = shm_signal_check_open(ch, err);
	if (ready)
		*ready = 0;
	if (rc)
		return rc;
	if (isnan(timeout_s))
		return set_err(err, SHM_SIGNAL_E_ARG, "timeout_s", -1, "a number of seconds (< 0: no limit)",
			       "nan", "the timeout is not a number");
	settle_late(ch);
	r = rec(ch, ch->locality);
	deadline = timeout_s < 0 ? -1.0 : shm_signal_now_s() + timeout_s;
	if (spin_for_work(ch, r, timeout_s)) { /* a spin of at most timeout_s, within the deadline */
		if (ready)
			*ready = 1;
		return 0;
	}
	/* Every turn checks the deadline; nothing here waits for the remote beyond it. */
	for (;;) {
		uint32_t raw = ld_word_raw(r);
		uint64_t count;
		double now, slice;
		int check, timed_out;
		atomic_thread_fence(memory_order_acquire);
		if (word_has_work(raw)) {
			if (ready)
				*ready = 1;
			return 0;
		}
		if (!ch->negotiated && (rc = shm_signal_refresh_features(ch, err)) != 0)
			return rc;
		now = shm_signal_now_s();
		check = last_check < 0 || now - last_check >= ch->liveness_s;
		rc = shm_signal_peer_fault(ch, check, err);
		if (rc)
			return rc;
		if (check)
			last_check = now;
		if (deadline >= 0 && now >= deadline)
			return 0;
		slice = ch->liveness_s;
		if (deadline >= 0 && deadline - now < slice)
			slice = deadline - now;
		/* Waiting without a limit on a negotiated channel without liveness locks:
		 * nothing to re-check (death cannot be seen, close always wakes us), so
		 * park without a kernel timer. */
		if (deadline < 0 && ch->negotiated && !(ch->features & SHM_SIGNAL_F_LIVENESS_LOCK))
			slice = -1.0;
		if (ch->negotiated && (ch->features & SHM_SIGNAL_F_WAITER_FLAG)) {
			/* spec 7.5: waiting = 1, F5, look once more, park on that word */
			st8(r + F_WAITING, 1);
			atomic_thread_fence(memory_order_seq_cst);
			raw = ld_word_raw(r);
			if (word_has_work(raw)) {
				/* it came while we were awake: not a late wake-up */
				st8(r + F_WAITING, 0);
				continue;
			}
		}
		count = ld64(r + R_OFF(notify_count));
		timed_out = shm_signal_park(ch, raw, slice);
		if (timed_out) {
			/* With waiting still 1 (WAITER_FLAG), or always (without it), work that
			 * is pending now was signalled while we were parked: its notification
			 * must come.  One that never comes is a lost wake-up. */
			atomic_thread_fence(memory_order_seq_cst);
			if (ld8(r + F_ENABLED) == 1 && ld8(r + F_PENDING) == 1) {
				if (ch->negotiated && (ch->features & SHM_SIGNAL_F_NOTIFY_COUNT))
					late_candidate(ch, count);
				else if (!(ch->negotiated && (ch->features & SHM_SIGNAL_F_WAITER_FLAG)))
					ch->stats.late++; /* no count to tell: as it looks */
			}
		}
		if (ch->negotiated && (ch->features & SHM_SIGNAL_F_WAITER_FLAG))
			st8(r + F_WAITING, 0);
	}
}

int shm_signal_peer_attached(shm_signal_chan *ch)
{
	if (!ch || ch->closed || fired(ch))
		return 0;
	return ld32(rec(ch, ch->remote) + R_OFF(state)) == SHM_SIGNAL_STATE_ATTACHED;
}

int shm_signal_wait_for_peer(shm_signal_chan *ch, double timeout_s, int *attached,
			     struct shm_signal_error *err)
{
	double deadline;
	int rc = shm_signal_check_open(ch, err);
	if (attached)
		*attached = 0;
	if (rc)
		return rc;
	if (isnan(timeout_s))
		return set_err(err, SHM_SIGNAL_E_ARG, "timeout_s", -1, "a number of seconds (< 0: no limit)",
			       "nan", "the timeout is not a number");
	deadline = shm_signal_now_s() + timeout_s;
	for (;;) {
		uint32_t st = ld32(rec(ch, ch->remote) + R_OFF(state));
		double now;
		rc = remote_state(ch, st, err);
		if (rc)
			return rc;
		if (st == SHM_SIGNAL_STATE_ATTACHED) {
			rc = shm_signal_refresh_features(ch, err);
			if (rc)
				return rc;
			if (attached)
				*attached = 1;
			return 0;
		}
		now = shm_signal_now_s();
		if (timeout_s >= 0 && now >= deadline)
			return 0;
		shm_signal_sleep_s(timeout_s >= 0 && deadline - now < 0.001 ? deadline - now : 0.001);
		rc = shm_signal_check_open(ch, err);
		if (rc)
			return rc;
	}
}

int shm_signal_features(shm_signal_chan *ch, uint64_t *features, int *negotiated,
			struct shm_signal_error *err)
{
	int rc = shm_signal_check_open(ch, err);
	if (features)
		*features = 0;
	if (negotiated)
		*negotiated = 0;
	if (rc)
		return rc;
	if (!ch->negotiated && (rc = shm_signal_refresh_features(ch, err)) != 0)
		return rc;
	if (features)
		*features = ch->negotiated ? ch->features : 0;
	if (negotiated)
		*negotiated = ch->negotiated;
	return 0;
}

uint32_t shm_signal_locality(const shm_signal_chan *ch)
{
	return ch ? ch->locality : UINT32_MAX;
}

void shm_signal_set_notifier(shm_signal_chan *ch, shm_signal_notifier fn, void *ctx)
{
	if (ch) {
		ch->notifier = fn;
		ch->notifier_ctx = ctx;
	}
}

int shm_signal_set_budget(shm_signal_chan *ch, uint32_t budget, struct shm_signal_error *err)
{
	if (!ch || ch->closed)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "channel is closed or NULL");
	ch->budget = budget ? budget : DEFAULT_BUDGET;
	return 0;
}

int shm_signal_set_liveness_interval(shm_signal_chan *ch, double seconds, struct shm_signal_error *err)
{
	if (!ch || ch->closed)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "channel is closed or NULL");
	if (!(seconds > 0) || isinf(seconds)) { /* NaN fails the first test */
		char a[48];
		snprintf(a, sizeof a, "%g", seconds);
		return set_err(err, SHM_SIGNAL_E_ARG, "liveness interval", -1, "finite seconds > 0", a,
			       "the liveness interval must be a finite number of seconds above 0");
	}
	ch->liveness_s = seconds > 0.0005 ? seconds : 0.0005;
	return 0;
}

int shm_signal_set_spin(shm_signal_chan *ch, double seconds, struct shm_signal_error *err)
{
	if (!ch || ch->closed)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "channel is closed or NULL");
	if (seconds != SHM_SIGNAL_SPIN_AUTO && (!(seconds >= 0) || isinf(seconds))) { /* NaN too */
		char a[48];
		snprintf(a, sizeof a, "%g", seconds);
		return set_err(err, SHM_SIGNAL_E_ARG, "spin", -1, "finite seconds >= 0, or SHM_SIGNAL_SPIN_AUTO",
			       a, "the spin must be a finite number of seconds, at least 0, or auto");
	}
	shm_signal_spin_init(&ch->spin, seconds);
	return 0;
}

double shm_signal_get_spin(const shm_signal_chan *ch)
{
	if (!ch)
		return 0.0;
	return ch->spin.is_auto ? SHM_SIGNAL_SPIN_AUTO : ch->spin.fixed_s;
}

void *shm_signal_wait_word(shm_signal_chan *ch)
{
	return (ch && !ch->closed) ? (void *)rec(ch, ch->locality) : NULL;
}

void *shm_signal_doorbell_word(shm_signal_chan *ch)
{
	if (!ch || ch->closed || fired(ch))
		return NULL;
	if (!ch->negotiated)
		shm_signal_refresh_features(ch, NULL); /* a creator learns the set here too */
	return has_doorbell(ch) ? (void *)doorbell(ch, ch->locality) : NULL;
}

void shm_signal_get_stats(shm_signal_chan *ch, struct shm_signal_stats *out)
{
	if (ch && out) {
		if (!ch->closed)
			settle_late(ch);
		*out = ch->stats;
	}
}

void shm_signal_descriptor_bytes(const shm_signal_chan *ch, uint8_t *out)
{
	unsigned i;
	if (!ch || !out || !ch->desc)
		return;
	for (i = 0; i < SHM_SIGNAL_DESC_SIZE; i++)
		out[i] = ld8(ch->desc + i);
}

void shm_signal_close(shm_signal_chan *ch)
{
	if (!ch)
		return;
	if (!ch->closed && ch->desc) {
		/* spec 9: state closed; F0, the remote's dirty = 1, fence; then a wake-up
		 * whatever the remote's enabled and pending (pending and notify_count are
		 * left alone), so a remote parked in wait sees the closed state at once;
		 * the lock goes last (chan_free), so the peer never reads a death */
		st32(rec(ch, ch->locality) + R_OFF(state), SHM_SIGNAL_STATE_CLOSED);
		atomic_thread_fence(memory_order_release);
		st8(rec(ch, ch->remote) + F_DIRTY, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!ch->negotiated)
			shm_signal_refresh_features(ch, NULL); /* wakes on what the attacher accepted, if valid */
		shm_signal_notify(ch, ch->remote);
		if (has_doorbell(ch))
			shm_signal_ring(ch, ch->remote); /* a remote parked on its doorbell (7.8) */
	}
	ch->closed = 1;
	shm_signal_chan_free(ch);
}
