/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_spin.c - how long shm_signal_wait looks for work before it parks.
 *
 * A fixed spin, or "auto" (the default): the policy of the Python engine's
 * spin="auto" (abi/engine/channel.py), with the same constants, so that both
 * engines behave alike.  Spin (up to SHM_SIGNAL_AUTO_SPIN_S) while spins have lately
 * found work that was not there at the first look: a credit of +1 or -1 per spin,
 * at most SHM_SIGNAL_AUTO_CREDIT_MAX, starting full (two fresh peers that park tend
 * to be woken onto one CPU, where no short spin pays, so a channel that started
 * parked would never learn).  Without credit, park at once, but probe one wait in
 * SHM_SIGNAL_AUTO_PROBE_FIRST with a spin twice as long after each failed probe (up
 * to SHM_SIGNAL_AUTO_PROBE_SPIN_MAX_S: long enough for the OS to move a peer woken
 * onto our CPU), then twice as rarely (down to one in SHM_SIGNAL_AUTO_PROBE_MAX).
 * A probe that finds work only late earns one ordinary spin and counts as failed:
 * on a shared CPU it paid only because the OS preempted us.  Never spin with one
 * CPU: the peer cannot run while we do.
 */
#include "shm_signal_internal.h"

void shm_signal_spin_init(struct shm_signal_spin *s, double seconds)
{
	s->is_auto = seconds == SHM_SIGNAL_SPIN_AUTO;
	s->fixed_s = s->is_auto ? 0.0 : seconds;
	s->credit = SHM_SIGNAL_AUTO_CREDIT_MAX;
	s->probe = 0;
	s->probe_every = SHM_SIGNAL_AUTO_PROBE_FIRST;
	s->probe_s = SHM_SIGNAL_AUTO_SPIN_S;
	if (!s->cpus_now)
		s->cpus_now = shm_signal_cpus;
	s->cpus = s->cpus_now();
}

double shm_signal_spin_pick(struct shm_signal_spin *s)
{
	if (!s->is_auto)
		return s->fixed_s;
	if (s->credit > 0)
		return s->cpus > 1 ? SHM_SIGNAL_AUTO_SPIN_S : 0.0;
	if (++s->probe < s->probe_every)
		return 0.0;
	s->probe = 0;
	s->cpus = s->cpus_now(); /* the placement may have changed */
	return s->cpus > 1 ? s->probe_s : 0.0;
}

void shm_signal_spin_learn(struct shm_signal_spin *s, int found, int late)
{
	if (!s->is_auto)
		return;
	if (found && !late) {
		if (s->credit < SHM_SIGNAL_AUTO_CREDIT_MAX)
			s->credit++;
		s->probe_every = SHM_SIGNAL_AUTO_PROBE_FIRST;
		s->probe_s = SHM_SIGNAL_AUTO_SPIN_S;
		return;
	}
	if (s->credit == 0) { /* a probe that failed, or paid only late */
		if (s->probe_s < SHM_SIGNAL_AUTO_PROBE_SPIN_MAX_S) {
			s->probe_s *= 2;
			if (s->probe_s > SHM_SIGNAL_AUTO_PROBE_SPIN_MAX_S)
				s->probe_s = SHM_SIGNAL_AUTO_PROBE_SPIN_MAX_S;
		} else if (s->probe_every < SHM_SIGNAL_AUTO_PROBE_MAX) {
			s->probe_every *= 2;
		}
	}
	s->credit = found ? 1 : (s->credit > 0 ? s->credit - 1 : 0);
}
