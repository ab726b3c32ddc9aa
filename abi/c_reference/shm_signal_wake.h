/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wake.h - internal to libshm_signal: the wake layer (docs/spec.md
 * section 8), how one side wakes the other's parked owner.  One file per OS
 * implements the shm_signal_wake_* functions, each compiled to nothing elsewhere:
 * shm_signal_wake_linux.c (futex), shm_signal_wake_macos.c (os_sync / __ulock),
 * shm_signal_wake_windows.c (named events and their security, spec 8.2), and
 * shm_signal_wake_poll.c (any other OS: no channel at all).  shm_signal_wake.c is the
 * portable half the rest of the engine calls: which channels a channel uses, and
 * the polling sleep when the OS has none of them.
 */
#ifndef SHM_SIGNAL_WAKE_H
#define SHM_SIGNAL_WAKE_H

#include "shm_signal_internal.h"

/* shm_signal_wake_park: none of the channels in `wake` exists here (the caller polls). */
#define SHM_SIGNAL_WAKE_NONE (-1)

/* ---------------------------------------------------- one implementation per OS */

/* The WAKE_* feature bits this OS implements. */
uint64_t shm_signal_wake_supported(void);

/* Open what the channels in `wake` need, before the first write of a create or an
 * attach (Windows: both named events, spec 8.2).  0, or a fault or an error with
 * nothing left open. */
int shm_signal_wake_open(shm_signal_chan *ch, uint64_t wake, struct shm_signal_error *err);

/* Close what shm_signal_wake_open opened; a channel that opened nothing is fine. */
void shm_signal_wake_close(shm_signal_chan *ch);

/* WAKE_ADDRESS on any shared 32-bit word (a wait word, or a doorbell of spec 7.8):
 * wake every waiter of `word`; park while it holds `raw`, at most `s` seconds (< 0:
 * no limit), 1 if the timeout expired, 0 if woken (or the word changed).  Where the
 * OS has no such wait (Windows, the poll backend) the wake does nothing and the park
 * returns SHM_SIGNAL_WAKE_NONE. */
void shm_signal_wake_address(void *word);
int shm_signal_wake_park_address(void *word, uint32_t raw, double s);

/* Wake every waiter of record `loc` on the channels in `wake` this OS has. */
void shm_signal_wake_send(shm_signal_chan *ch, uint32_t loc, uint64_t wake);

/* Park on the own record's channel in `wake` while its wait word still holds `raw`,
 * at most `s` seconds (< 0: no limit): 1 if the timeout expired, 0 if woken (or the
 * word changed), SHM_SIGNAL_WAKE_NONE if this OS has none of those channels. */
int shm_signal_wake_park(shm_signal_chan *ch, uint32_t raw, double s, uint64_t wake);

/* Park on the own records' channels of chans[0..n) (n <= SHM_SIGNAL_WAIT_ANY_MAX),
 * each while its wait word holds raws[i], at most `s` seconds: 0 or 1 as above, or
 * SHM_SIGNAL_WAKE_NONE unless every one of them has this OS's many-object wait in
 * wake[i] (Linux: futex_waitv on WAKE_ADDRESS words; Windows: WaitForMultipleObjects
 * on NAMED_EVENT events; every other OS gets shm_signal_wake.c's, which has none).
 * `raws` may be overwritten. */
int shm_signal_wake_park_any(shm_signal_chan *const *chans, uint32_t *raws, const uint64_t *wake, uint32_t n,
			     double s);

/* ---------------------------------------------- portable (shm_signal_wake.c) */

/* Send the cross-boundary notification to record `loc` on every negotiated channel
 * (before the attach: every channel this side offered). */
void shm_signal_notify(shm_signal_chan *ch, uint32_t loc);

/* Spec 7.8 ring: F7 (add 1 to locality loc's doorbell in the head), then wake every
 * waiter on the doorbell. */
void shm_signal_ring(shm_signal_chan *ch, uint32_t loc);

/* Park on the doorbell `bell` while it holds `raw` (spec 7.8 step 5), or one polling
 * sleep where the OS cannot; 1 if it ended by the timeout.  Counts stats.parks of
 * chans[0..n). */
int shm_signal_park_doorbell(shm_signal_chan *const *chans, uint32_t n, unsigned char *bell, uint32_t raw,
			     double s);

/* Park until notified or `s` seconds pass (one channel to park on; polling when
 * there is none); returns 1 if it ended by the timeout.  Counts stats.parks. */
int shm_signal_park(shm_signal_chan *ch, uint32_t raw, double s);

/* Park until one of chans[0..n) is notified or `s` seconds pass (polling in
 * POLL_INTERVAL_S sleeps when the OS cannot wait on all of them at once); 1 if it
 * ended by the timeout.  Counts stats.parks of each. */
int shm_signal_park_any(shm_signal_chan *const *chans, uint32_t *raws, uint32_t n, double s);

#endif /* SHM_SIGNAL_WAKE_H */
