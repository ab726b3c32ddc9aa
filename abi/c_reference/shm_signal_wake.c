/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wake.c - the portable half of the wake layer (docs/spec.md section 8):
 * which wake-up channels a channel uses (the negotiated ones, or before the attach
 * what this side offered), notifying on all of them, parking on one, and the polling
 * sleep (POLL_INTERVAL_S) when the OS has none of them.  The OS calls themselves are
 * in shm_signal_wake_<os>.c, behind shm_signal_wake.h.
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

/* The negotiated wake bits, or (before the attach) what this side offered. */
static uint64_t wake_bits(const shm_signal_chan *ch)
{
	uint64_t f = ch->negotiated ? ch->features : (ch->offered & ch->supported);
	return f & (SHM_SIGNAL_F_WAKE_ADDRESS | SHM_SIGNAL_F_WAKE_NAMED_EVENT);
}

void shm_signal_notify(shm_signal_chan *ch, uint32_t loc)
{
	shm_signal_wake_send(ch, loc, wake_bits(ch));
}

/* No channel to park on: one polling sleep (counted as ending by the timeout). */
static int poll_sleep(double s)
{
	shm_signal_sleep_s(s >= 0 && s < POLL_INTERVAL_S ? s : POLL_INTERVAL_S);
	return 1;
}

int shm_signal_park(shm_signal_chan *ch, uint32_t raw, double s)
{
	int rc;
	ch->stats.parks++;
	/* One channel to park on; the notifier uses all negotiated ones. */
	rc = shm_signal_wake_park(ch, raw, s, wake_bits(ch));
	return rc != SHM_SIGNAL_WAKE_NONE ? rc : poll_sleep(s);
}

void shm_signal_ring(shm_signal_chan *ch, uint32_t loc)
{
	unsigned char *bell = doorbell(ch, loc);
	shm_signal_ring_le32(bell); /* F7 */
	shm_signal_wake_address(bell);
}

int shm_signal_park_doorbell(shm_signal_chan *const *chans, uint32_t n, unsigned char *bell, uint32_t raw,
			     double s)
{
	uint32_t i;
	int rc;
	for (i = 0; i < n; i++)
		chans[i]->stats.parks++;
	rc = shm_signal_wake_park_address(bell, raw, s);
	return rc != SHM_SIGNAL_WAKE_NONE ? rc : poll_sleep(s);
}

int shm_signal_park_any(shm_signal_chan *const *chans, uint32_t *raws, uint32_t n, double s)
{
	uint64_t wake[SHM_SIGNAL_WAIT_ANY_MAX];
	uint32_t i;
	int rc;
	for (i = 0; i < n; i++) {
		chans[i]->stats.parks++;
		wake[i] = wake_bits(chans[i]);
	}
	rc = shm_signal_wake_park_any(chans, raws, wake, n, s);
	return rc != SHM_SIGNAL_WAKE_NONE ? rc : poll_sleep(s);
}

#if !defined(__linux__) && !defined(_WIN32)
/* Only Linux (futex_waitv) and Windows (WaitForMultipleObjects) park on many
 * channels at once; elsewhere (macOS: os_sync_wait_on_address takes one address)
 * the caller polls. */
int shm_signal_wake_park_any(shm_signal_chan *const *chans, uint32_t *raws, const uint64_t *wake, uint32_t n,
			     double s)
{
	(void)chans;
	(void)raws;
	(void)wake;
	(void)n;
	(void)s;
	return SHM_SIGNAL_WAKE_NONE;
}
#endif

#if defined(__linux__) || defined(__APPLE__)
/* The record's wait word is the whole channel (WAKE_ADDRESS): its address wait. */
void shm_signal_wake_send(shm_signal_chan *ch, uint32_t loc, uint64_t wake)
{
	if (wake & SHM_SIGNAL_F_WAKE_ADDRESS)
		shm_signal_wake_address(rec(ch, loc));
}

int shm_signal_wake_park(shm_signal_chan *ch, uint32_t raw, double s, uint64_t wake)
{
	if (!(wake & SHM_SIGNAL_F_WAKE_ADDRESS))
		return SHM_SIGNAL_WAKE_NONE;
	return shm_signal_wake_park_address(rec(ch, ch->locality), raw, s);
}
#else
/* Only Linux (futex) and macOS (os_sync / __ulock) wait on an address. */
void shm_signal_wake_address(void *word)
{
	(void)word;
}

int shm_signal_wake_park_address(void *word, uint32_t raw, double s)
{
	(void)word;
	(void)raw;
	(void)s;
	return SHM_SIGNAL_WAKE_NONE;
}
#endif

#if !defined(_WIN32)
/* Only Windows has wake-up objects to open (its named events); elsewhere the
 * record's wait word is the whole channel. */
int shm_signal_wake_open(shm_signal_chan *ch, uint64_t wake, struct shm_signal_error *err)
{
	(void)ch;
	(void)wake;
	(void)err;
	return 0;
}

void shm_signal_wake_close(shm_signal_chan *ch)
{
	(void)ch;
}
#endif
