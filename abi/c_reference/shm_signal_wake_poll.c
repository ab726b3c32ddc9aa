/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wake_poll.c - the wake layer on an OS with no wake-up channel of spec 8
 * (neither Linux, macOS nor Windows): nothing is offered, nothing is opened, a
 * notification sends nothing, and every park is the polling sleep of
 * shm_signal_wake.c (POLL_INTERVAL_S).  Compiles to nothing on the OSes that have
 * their own shm_signal_wake_<os>.c; see shm_signal_wake.h.
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#if !defined(__linux__) && !defined(__APPLE__) && !defined(_WIN32)

uint64_t shm_signal_wake_supported(void)
{
	return 0;
}

void shm_signal_wake_send(shm_signal_chan *ch, uint32_t loc, uint64_t wake)
{
	(void)ch;
	(void)loc;
	(void)wake;
}

int shm_signal_wake_park(shm_signal_chan *ch, uint32_t raw, double s, uint64_t wake)
{
	(void)ch;
	(void)raw;
	(void)s;
	(void)wake;
	return SHM_SIGNAL_WAKE_NONE;
}

#endif /* no wake-up channel */
