/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_engine.h - the C reference engine of shm-signal ABI v1.
 *
 * shm_signal.h is the pure ABI (layout, constants); this header is the API of one
 * implementation of the protocol in docs/spec.md sections 6-9: create/attach over a
 * file mapping, inject, wakeup, enable, disable, wait, close.  Every function that
 * can fail returns 0 on success, a fault code (SHM_SIGNAL_FAULT_*, > 0) when the
 * descriptor or the peer is refused, or a negative SHM_SIGNAL_E_* for errors of the
 * caller or the OS; details go to the optional `err` argument.
 *
 * A channel is used by one thread at a time (the protocol has one owner per record);
 * different channels are independent and may be used from different threads.  All
 * channels of one file in this process share one open file and its mappings, and
 * see each other's liveness locks as two processes would (spec 5, 9).
 */
#ifndef SHM_SIGNAL_ENGINE_H
#define SHM_SIGNAL_ENGINE_H

#include <stdint.h>
#include <stddef.h> /* size_t */

#include "shm_signal.h"
#include "shm_signal_atomic.h" /* SHM_SIGNAL_API, shm_signal_fence() */

#ifdef __cplusplus
extern "C" {
#endif

/* Errors that are not faults of the ABI (those are SHM_SIGNAL_FAULT_*, > 0). */
#define SHM_SIGNAL_E_ARG (-1)      /* a bad argument (NaN timeout, mode, offset or size out of
                                      range, not a regular file), or a closed channel */
#define SHM_SIGNAL_E_SYSTEM (-2)   /* an OS call failed; err->sys_errno says which */
#define SHM_SIGNAL_E_NOTIFIER (-3) /* the notifier returned non-zero; wakeup stopped */
#define SHM_SIGNAL_E_EXISTS (-4)   /* create: the file exists and exist_ok was not given */
#define SHM_SIGNAL_E_TIMEOUT (-5)  /* attach: no valid descriptor appeared in time */
#define SHM_SIGNAL_E_FULL (-6)     /* ring send: no room now (retry once the consumer released) */
#define SHM_SIGNAL_E_EMPTY (-7)    /* ring recv: no message now */

/* Flags of shm_signal_create() / shm_signal_attach(). */
#define SHM_SIGNAL_O_EXIST_OK 0x1u    /* create: reuse an existing file */
#define SHM_SIGNAL_O_INSTANCE_ID 0x2u /* create: use the given instance_id, not random */
#define SHM_SIGNAL_O_PID 0x4u         /* write the given pid, not the process's own */
#define SHM_SIGNAL_O_FEATURES 0x8u    /* use the given feature set, not the platform's */

/* Fault or error details; strings are NUL-terminated and may be truncated. */
struct shm_signal_error {
	int32_t code;      /* as returned */
	int32_t sys_errno; /* errno / GetLastError() for SHM_SIGNAL_E_SYSTEM, else 0 */
	int64_t offset;    /* descriptor offset of `field`, or -1 */
	char field[40];    /* C member designator as in docs/spec.md, e.g. "irq[1].pad0" */
	char expected[48];
	char actual[48];
	char message[136];
};

/* Counters of one channel (this process's view). */
struct shm_signal_stats {
	uint64_t injects;        /* inject calls */
	uint64_t notifications;  /* injects that set pending and sent a wake-up */
	uint64_t wakeups;        /* wakeup runs (enable's included) */
	uint64_t notifier_calls; /* notifier calls */
	uint64_t parks;          /* kernel waits (or poll sleeps) started by wait */
	uint64_t late;           /* waits that ended by a timeout and then found work while
	                            enabled whose notification never came (counted half a
	                            second later, at a later wait or get_stats): a lost
	                            wake-up; 0 when correct */
};

typedef struct shm_signal_chan shm_signal_chan;

/* Called by wakeup once per consumed inject batch; non-zero stops the wakeup. */
typedef int (*shm_signal_notifier)(void *ctx);

/* The feature bits this build implements on this OS (what create offers and attach
 * accepts by default).  GROUP_DOORBELL where WAKE_ADDRESS is (Linux, macOS);
 * MESSAGE_RINGS everywhere (create offers it only with rings: shm_signal_create_rings). */
SHM_SIGNAL_API uint64_t shm_signal_supported_features(void);

/* Human-readable fault name ("BAD_MAGIC"), or "?" */
SHM_SIGNAL_API const char *shm_signal_fault_name(int code);

/*
 * Create the file `path` with permissions `mode` (within 0777, including 0600; else
 * E_ARG), and publish a fresh descriptor at `offset` as `locality` (spec 6.1): a
 * symbolic link is never followed (E_SYSTEM, sys_errno ELOOP) and anything but a
 * regular file is refused (E_ARG); both records' liveness locks are taken before
 * anything is written (LOCALITY_BUSY if either is held, here or elsewhere); with
 * SHM_SIGNAL_O_EXIST_OK the bytes at `offset` are written over only if they are all
 * zero (or past the end of the file) or a descriptor none of whose records is live
 * (else BAD_MAGIC / BYTE_SWAPPED / LOCALITY_BUSY, nothing written); then the file is
 * made at least `size` bytes long (and never shorter than offset + 192).  `offset`
 * and `size` must stay below 2^63, and so must the liveness bytes at 2^40 + offset
 * (E_ARG).  `features` (with SHM_SIGNAL_O_FEATURES) is the set offered, `required` a
 * subset of it.  GROUP_DOORBELL (spec 7.8) is never required (BAD_FEATURES), and is
 * left out of the offer without WAKE_ADDRESS and WAITER_FLAG, at offset 64 or 128
 * (over the head's doorbells), and when the head (offset 0) is published without
 * it.  `instance_id` (16 bytes) and `pid` are used when their flags are
 * set: golden vectors need them deterministic.  MESSAGE_RINGS is never offered here
 * (it is taken out of `features`), and in `required` it is E_ARG: a descriptor of
 * 192 bytes has no rings (shm_signal_create_rings lays them out).
 */
SHM_SIGNAL_API int shm_signal_create(shm_signal_chan **out, const char *path, uint32_t locality,
				     uint64_t offset, uint64_t size, uint64_t features,
				     uint64_t required, uint32_t mode, uint32_t flags,
				     const uint8_t *instance_id, uint32_t pid,
				     struct shm_signal_error *err);

/*
 * shm_signal_create with the channel's two message rings (spec 15.6, MESSAGE_RINGS):
 * capacity[L] is the capacity of the ring locality L produces into (a power of two,
 * 64 to 2^30), max_message[L] its max_message (0: capacity[L] - 8; else 1 to
 * capacity[L] - 8; a NULL max_message: both 0); anything else is E_ARG, as is a
 * max_message without capacity.  North's ring goes at descriptor offset 192,
 * south's at 384 + capacity[0], and desc_size is 576 + capacity[0] + capacity[1]:
 * the file is made at least offset + desc_size bytes long.  Before anything is
 * written (spec 6.1 step 3) the bytes the rings take, [offset + 192, offset +
 * desc_size), must be all zero (or past the end of the file), unless the bytes at
 * `offset` are a descriptor this create may write over whose desc_size is the same:
 * else BAD_RING, field "ring" at the descriptor offset of the first non-zero byte,
 * and nothing written.  The descriptor's bytes up to desc_size are zeroed, then
 * both ring headers written (head and tail 0) before the descriptor's magic.
 * MESSAGE_RINGS is offered whatever `features` says, and required if `required`
 * has it.  With a NULL capacity this is shm_signal_create.
 */
SHM_SIGNAL_API int shm_signal_create_rings(shm_signal_chan **out, const char *path, uint32_t locality,
					   uint64_t offset, uint64_t size, uint64_t features,
					   uint64_t required, uint32_t mode, uint32_t flags,
					   const uint8_t *instance_id, uint32_t pid,
					   const uint32_t capacity[2], const uint32_t max_message[2],
					   struct shm_signal_error *err);

/*
 * Attach to the descriptor at `offset` of the file `path` as the locality the creator
 * left free (spec 6.3: takes that record's lock, then decides everything from one
 * validated snapshot).  Validates in the order of spec 6.4 against the mapping's real
 * length; retries for up to `timeout_s` seconds (< 0: no limit; NaN: E_ARG) while the
 * file is missing (then E_TIMEOUT), empty or too short (MAPPING_TOO_SMALL), not yet
 * published (magic still 0: BAD_MAGIC), or its creator changes under the attach
 * (BAD_LOCALITY).  The path is opened as in shm_signal_create.  `features` (with SHM_SIGNAL_O_FEATURES) is
 * the set this side supports: features_accepted = offered & features, less
 * GROUP_DOORBELL unless WAKE_ADDRESS and WAITER_FLAG are in it and the head's first
 * 24 bytes hold the magic and offer it (spec 6.3 step 4; a re-attach keeps the set).
 */
SHM_SIGNAL_API int shm_signal_attach(shm_signal_chan **out, const char *path, uint64_t offset,
				     uint64_t features, uint32_t flags, uint32_t pid,
				     double timeout_s, struct shm_signal_error *err);

/*
 * Validate `len` bytes holding a mapping with a descriptor at `offset` (spec 6.4),
 * as a peer supporting `supported`.  Returns 0 or the first fault.
 */
SHM_SIGNAL_API int shm_signal_validate(const void *mapping, uint64_t len, uint64_t offset,
				       uint64_t supported, struct shm_signal_error *err);

/* Spec 9: store state = closed, set the remote's dirty, fence, wake the remote
 * unconditionally (and ring its doorbell with GROUP_DOORBELL); release the lock and
 * the mapping, free `ch`.  NULL is allowed. */
SHM_SIGNAL_API void shm_signal_close(shm_signal_chan *ch);

/* Truncation guard (POSIX; shm_signal_guard.c): while [base, base + len) is guarded,
 * a SIGBUS with si_code BUS_ADRERR at an address inside it (a peer shrank the file
 * under the mapping) maps a private zero page over the faulting page instead of
 * killing the process, counts it, and stores 1 into *fired (unless fired is NULL);
 * any other SIGBUS reaches the handler installed before.  *fired must stay valid
 * until shm_signal_unguard(base) returns; call that before unmapping: it waits for
 * a handler still working on the range.  Any number of mappings, any threads.  The
 * engine guards its own mappings; other users (the Python engine) call these.
 * shm_signal_guard returns 0, or -1 when it cannot guard (the mapping then works
 * unguarded).  Windows needs none: a mapped file cannot shrink. */
SHM_SIGNAL_API int shm_signal_guard(void *base, uint64_t len, uint32_t *fired);
SHM_SIGNAL_API void shm_signal_unguard(void *base);
/* Faults the guard has answered in this process. */
SHM_SIGNAL_API unsigned long shm_signal_guard_faults(void);

SHM_SIGNAL_API uint32_t shm_signal_locality(const shm_signal_chan *ch);
/* The negotiated set: *negotiated = 1 and the set in *features once the attacher's
 * state reads attached, else 0 and 0.  BAD_FEATURES when the attacher accepted a bit
 * that was not offered or left out a required one (spec 6.2; the set is not used). */
SHM_SIGNAL_API int shm_signal_features(shm_signal_chan *ch, uint64_t *features, int *negotiated,
				       struct shm_signal_error *err);
/* 1 if the remote's state reads attached now, else 0 (a plain look; 0 once the
 * mapping's guard fired). */
SHM_SIGNAL_API int shm_signal_peer_attached(shm_signal_chan *ch);
/* Wait up to timeout_s (< 0: forever; NaN: E_ARG) for the remote to attach:
 * *attached = 1, or 0 at the timeout.  Faults BAD_STATE, BAD_FEATURES,
 * MAPPING_TOO_SMALL. */
SHM_SIGNAL_API int shm_signal_wait_for_peer(shm_signal_chan *ch, double timeout_s, int *attached,
					    struct shm_signal_error *err);
/* Is the peer still there?  0, or MAPPING_TOO_SMALL (the file shrank), PEER_CLOSED,
 * PEER_DEAD (attached, its liveness lock free), BAD_STATE (a state the spec does not
 * define, or empty after it was attached), BAD_FEATURES.  A peer that never attached
 * is none of these.  A wait runs this once per liveness interval. */
SHM_SIGNAL_API int shm_signal_check_peer(shm_signal_chan *ch, struct shm_signal_error *err);

SHM_SIGNAL_API void shm_signal_set_notifier(shm_signal_chan *ch, shm_signal_notifier fn, void *ctx);
/* Notifier calls per wakeup when no budget is given (default 1024; 0 restores it). */
SHM_SIGNAL_API int shm_signal_set_budget(shm_signal_chan *ch, uint32_t budget,
					 struct shm_signal_error *err);
/* How often a wait re-checks the remote's liveness, in seconds (default 0.1; finite and
 * > 0, else E_ARG; below 0.0005 counts as 0.0005). */
SHM_SIGNAL_API int shm_signal_set_liveness_interval(shm_signal_chan *ch, double seconds,
						    struct shm_signal_error *err);

/* How long shm_signal_wait looks for work before it parks: `seconds` (finite, >= 0;
 * 0 parks at once), or SHM_SIGNAL_SPIN_AUTO, the default: spin up to
 * SHM_SIGNAL_AUTO_SPIN_S while spins have lately found work, else park at once and
 * probe now and then with a longer spin; never on a machine with one CPU (the
 * policy of shm_signal_spin.c, the Python engine's spin="auto").  E_ARG otherwise. */
#define SHM_SIGNAL_SPIN_AUTO (-1.0)
#define SHM_SIGNAL_AUTO_SPIN_S 50e-6          /* long enough for a parked peer to wake and answer */
#define SHM_SIGNAL_AUTO_CREDIT_MAX 64u        /* spins that found work, less those that did not */
#define SHM_SIGNAL_AUTO_PROBE_FIRST 8u        /* waits between probes, at first ... */
#define SHM_SIGNAL_AUTO_PROBE_MAX 16384u      /* ... and at most */
#define SHM_SIGNAL_AUTO_PROBE_SPIN_MAX_S 5e-3 /* the longest probe: lets the OS move a peer away */
SHM_SIGNAL_API int shm_signal_set_spin(shm_signal_chan *ch, double seconds, struct shm_signal_error *err);
/* The channel's spin: seconds, or SHM_SIGNAL_SPIN_AUTO. */
SHM_SIGNAL_API double shm_signal_get_spin(const shm_signal_chan *ch);

/* Spec 7.1: signal the remote.  *notified (may be NULL) = 1 if a wake-up was sent.
 * Faults BAD_STATE and BAD_FEATURES (never PEER_CLOSED: injecting is harmless). */
SHM_SIGNAL_API int shm_signal_inject(shm_signal_chan *ch, int *notified, struct shm_signal_error *err);
/* Spec 7.3: runs the wakeup when work is already there; *calls = its notifier calls. */
SHM_SIGNAL_API int shm_signal_enable(shm_signal_chan *ch, uint32_t *calls, struct shm_signal_error *err);
SHM_SIGNAL_API int shm_signal_disable(shm_signal_chan *ch, struct shm_signal_error *err);
/* Spec 7.2 with at most `budget` notifier calls (0: the channel's default).
 * *more = 1 when the budget was spent (pending stays 1: call again without waiting). */
SHM_SIGNAL_API int shm_signal_wakeup(shm_signal_chan *ch, uint32_t budget, uint32_t *calls,
				     int *more, struct shm_signal_error *err);
/* Spec 7.5: block until the channel is enabled and its own dirty or pending is set
 * (*ready = 1; a disabled owner parks: injects do not notify it) or timeout_s
 * passes (*ready = 0; < 0 waits forever; NaN: E_ARG), returning within timeout_s plus
 * scheduling and timer latency whatever the remote writes.  Faults as
 * shm_signal_check_peer, checked at once and then once per liveness interval. */
SHM_SIGNAL_API int shm_signal_wait(shm_signal_chan *ch, double timeout_s, int *ready,
				   struct shm_signal_error *err);

/*
 * Many channels at once (the primitive under the Python engine's WaitSet).  Loads
 * each 4-byte wait word words[i] once; the indexes of those whose word has work
 * (enabled, and dirty or pending: as shm_signal_wait decides) go to ready[] (room
 * for n), their number to *n_ready.  If there are none and timeout_s is not 0, parks
 * with futex_waitv until a word no longer holds the value it was decided from, or
 * *control (if not NULL) no longer holds control_val, or timeout_s passes (< 0: no
 * limit), then loads the words once more.  With `vals` (a helper watching for
 * changes): parks at once on the values in vals[] (the kernel refuses if a word
 * differs already: nothing that changed since the caller's last look is missed),
 * then stores what it loads after the park into vals[] and reports the ready ones
 * (a change of the waiting byte alone is not a change).  `flags` (may be NULL), per
 * word: SHM_SIGNAL_WORD_ANNOUNCE (WAITER_FLAG negotiated on that channel: a park
 * stores waiting = 1 before its look, with a full fence between, spec 7.5, and
 * waiting = 0 after it); SHM_SIGNAL_WORD_MUTED (parked on, never reported: its work
 * does not end the park, a change of it does).
 * Returns 0, -EINVAL, -E2BIG (a park on more than SHM_SIGNAL_WAIT_WORDS_MAX words;
 * timeout_s 0 takes any number), or -ENOSYS (no futex_waitv: not Linux, or a kernel
 * before 5.16).  A control word that changed returns at once with *n_ready = 0.
 */
#define SHM_SIGNAL_WAIT_WORDS_MAX 127u /* futex_waitv's 128, less the control word */
#define SHM_SIGNAL_WORD_ANNOUNCE 0x1u
#define SHM_SIGNAL_WORD_MUTED 0x2u
SHM_SIGNAL_API int shm_signal_wait_words(void *const *words, uint32_t *vals, const uint8_t *flags,
					 uint32_t n, const uint32_t *control, uint32_t control_val,
					 double timeout_s, uint32_t *ready, uint32_t *n_ready);
/* A watcher thread's whole life: shm_signal_wait_words with vals[] over and over;
 * whenever words with work (not muted) are found after a park, add 1 to *bell and
 * FUTEX_WAKE it.  Returns 0 once *stop is not 0 (set it, then shm_signal_wake_word
 * it), or the first error. */
SHM_SIGNAL_API int shm_signal_watch_words(void *const *words, uint32_t *vals, const uint8_t *flags,
					  uint32_t n, const uint32_t *stop, uint32_t *bell);
/* FUTEX_WAKE every waiter of a (process-local) control word; -ENOSYS off Linux. */
SHM_SIGNAL_API int shm_signal_wake_word(uint32_t *word);
/* Add 1 to a control word (atomically), then shm_signal_wake_word it. */
SHM_SIGNAL_API int shm_signal_ring_word(uint32_t *word);
/* Steps 2-6 of spec 7.8 in one call, after step 1 gave `seen` (the doorbell's raw
 * value): store 2 in the waiting byte of every word flagged SHM_SIGNAL_WORD_ANNOUNCE,
 * fence (F5), load every word once; unless one has work (not muted), or timeout_s is
 * 0, park on `doorbell` with compare-and-wait against `seen` for at most timeout_s
 * seconds (< 0: no limit; Linux futex, macOS os_sync / __ulock); then clear the
 * waiting bytes and report the words with work in ready[] and *n_ready: what step 4
 * found, or after a park what a look in the same pass as the clear finds.  Returns 0,
 * -EINVAL, or -ENOSYS where the OS has no address wait (the waiting bytes are
 * cleared again and the ready words reported all the same). */
SHM_SIGNAL_API int shm_signal_wait_doorbell(void *const *words, const uint8_t *flags, uint32_t n,
					    void *doorbell, uint32_t seen, double timeout_s, uint32_t *ready,
					    uint32_t *n_ready);
/* shm_signal_wait_doorbell's arguments and results in one structure, for a caller
 * that waits on the same words again and again (the Python engine's WaitSet): it
 * sets `seen` and `timeout_s` and passes one pointer instead of eight arguments to
 * convert.  Sets n_ready and rc, and returns rc (-EINVAL for a NULL w). */
struct shm_signal_doorbell_wait {
	void *const *words;
	const uint8_t *flags;
	void *doorbell;
	uint32_t *ready;
	double timeout_s;
	uint32_t n;
	uint32_t seen;
	uint32_t n_ready;
	int32_t rc;
};
SHM_SIGNAL_API int shm_signal_wait_doorbell_call(struct shm_signal_doorbell_wait *w);

/*
 * Spec 7.5 on chans[0..n) at once (distinct, open; 1 <= n <= SHM_SIGNAL_WAIT_ANY_MAX,
 * or any n >= 1 when every one has the doorbell, below): block until at least one is
 * ready, or timeout_s passes (< 0: no limit; NaN: E_ARG).
 * Ready: enabled with its own dirty or pending set (as shm_signal_wait decides), or
 * its peer has gone or broke the protocol (checked at once and then once per the
 * channel's liveness interval; the channel's next shm_signal_wait returns that
 * fault).  The indexes of the ready ones go to ready[] (room for n) in order, their
 * number to *n_ready (0 at the timeout).  When every channel negotiated
 * GROUP_DOORBELL, all in one file and all as one locality, it parks on that
 * locality's doorbell (spec 7.8; Linux, macOS).  Otherwise it parks on all of them
 * at once where the OS can (Linux 5.16+: futex_waitv, when every channel wakes by
 * WAKE_ADDRESS; Windows: WaitForMultipleObjects, when every one wakes by
 * NAMED_EVENT), else polls in short sleeps.  More channels without the doorbell: one
 * thread per group of 64, or the Python engine's WaitSet.  The channels are used by
 * the calling thread meanwhile.
 */
#define SHM_SIGNAL_WAIT_ANY_MAX 64u /* WaitForMultipleObjects' MAXIMUM_WAIT_OBJECTS */
SHM_SIGNAL_API int shm_signal_wait_any(shm_signal_chan *const *chans, uint32_t n, double timeout_s,
				       uint32_t *ready, uint32_t *n_ready, struct shm_signal_error *err);

/* The address of this side's wait word (its record's first 4 bytes, spec 7.5),
 * valid until shm_signal_close: for shm_signal_wait_words. */
SHM_SIGNAL_API void *shm_signal_wait_word(shm_signal_chan *ch);

/* With GROUP_DOORBELL negotiated, the address of the doorbell this side waits on
 * (the head's irq[own locality].doorbell, file offset 88 north, 152 south; spec 7.8),
 * valid until shm_signal_close; else NULL (also before a creator's peer attached). */
SHM_SIGNAL_API void *shm_signal_doorbell_word(shm_signal_chan *ch);

/* Counters (settles a pending `late` candidate first, hence not const). */
SHM_SIGNAL_API void shm_signal_get_stats(shm_signal_chan *ch, struct shm_signal_stats *out);
/* Copy the descriptor's 192 bytes (one byte load each) to out[192]. */
SHM_SIGNAL_API void shm_signal_descriptor_bytes(const shm_signal_chan *ch, uint8_t *out);

/*
 * The application's own shared data in the channel's file (spec 5: rings, tables;
 * shm_signal_data.c).  *out = the address of byte `offset` of the file, in a mapping
 * that covers [offset, offset + len) and stays valid until shm_signal_close(ch) (the
 * channel holds a reference to every mapping it handed out; other channels of the
 * file in this process may share it).  The bytes are shared with the peer: access
 * them with atomics or fences as the protocol they carry says; the descriptors'
 * bytes belong to the protocol.  E_ARG for a NULL or closed channel, a NULL out, len
 * 0, or offset + len beyond 2^63 - 1; MAPPING_TOO_SMALL (field "mapping length",
 * offset `offset`, expected offset + len, actual the file's length) when the file is
 * shorter; E_SYSTEM.  *out is NULL after a failure.
 */
SHM_SIGNAL_API int shm_signal_data(shm_signal_chan *ch, uint64_t offset, uint64_t len, void **out,
				   struct shm_signal_error *err);
/* The length of the channel's file now (*len; 0 after a failure): the most
 * shm_signal_data can cover.  E_ARG for a NULL or closed channel or a NULL len. */
SHM_SIGNAL_API int shm_signal_data_length(shm_signal_chan *ch, uint64_t *len, struct shm_signal_error *err);

/*
 * Message rings (docs/spec.md section 15; shm_signal_ring.c): variable-length
 * messages from a producer to a consumer through `192 + capacity` bytes of shared
 * memory at a 64-byte-aligned address.  The header: magic (le32 at 0), capacity (4),
 * max_message (8), head (64, the producer's), tail (128, the consumer's), everything
 * else up to 192 zero; the data area from 192.  Each side opens its own handle on
 * the region; a handle is used by one thread at a time.  No call waits: after
 * SHM_SIGNAL_E_FULL / SHM_SIGNAL_E_EMPTY the caller waits on the channel (15.3, 15.4).
 *
 * Every call returns 0 when done, SHM_SIGNAL_FAULT_BAD_RING (> 0) when the shared
 * bytes break a rule of section 15 (err names the field, its offset from the start
 * of the region, the value expected and the one found), or a negative code:
 * SHM_SIGNAL_E_ARG for a bad argument (err->field names it), SHM_SIGNAL_E_FULL,
 * SHM_SIGNAL_E_EMPTY.  After a fault the handle returns that fault again, with the
 * same details, from every later call, and touches the region no more.  No call
 * reads or writes outside [region, region + 192 + capacity), whatever the region
 * holds.
 */
/* The layout and constants (SHM_SIGNAL_RING_MAGIC, _HEADER, _ALIGN, ...) are the
 * ABI's: struct shm_signal_ring_header in shm_signal.h. */
#define SHM_SIGNAL_RING_OFF_CAPACITY ((uint32_t)offsetof(struct shm_signal_ring_header, capacity))
#define SHM_SIGNAL_RING_OFF_MAX_MESSAGE ((uint32_t)offsetof(struct shm_signal_ring_header, max_message))
#define SHM_SIGNAL_RING_OFF_HEAD ((uint32_t)offsetof(struct shm_signal_ring_header, head))
#define SHM_SIGNAL_RING_OFF_TAIL ((uint32_t)offsetof(struct shm_signal_ring_header, tail))

#define SHM_SIGNAL_RING_PRODUCER 0
#define SHM_SIGNAL_RING_CONSUMER 1

/* One side's handle: the caller allocates it, shm_signal_ring_open fills it. */
struct shm_signal_ring {
	unsigned char *base;  /* the region; NULL until opened (calls return E_ARG) */
	uint32_t capacity;    /* read once at open (15.4), never again */
	uint32_t max_message; /* likewise */
	uint32_t pos;         /* producer: its head, consumer: its tail; its own copy,
	                         stored to the region and never read back (15.3, 15.4) */
	int32_t role;         /* SHM_SIGNAL_RING_PRODUCER or SHM_SIGNAL_RING_CONSUMER */
	int32_t fault;        /* 0, or the fault every later call returns */
	uint32_t holding;     /* a reservation (producer) or a peeked message (consumer) in hand */
	uint32_t held_at;     /* producer: the reserved record's data offset */
	uint32_t held_len;    /* the bytes reserved, or the peeked message's length */
	struct shm_signal_error fault_err; /* that fault's details */
};

/* Create a ring over region[0, region_len): store capacity and max_message, zero
 * bytes 12 to 191, a release fence, then the magic (15.1).  No data byte is
 * touched.  E_ARG (nothing written) unless region is 64-byte aligned, capacity a
 * power of two from 64 to 2^30, 1 <= max_message <= capacity - 8, and region_len
 * >= 192 + capacity. */
SHM_SIGNAL_API int shm_signal_ring_init(void *region, size_t region_len, uint32_t capacity,
					uint32_t max_message, struct shm_signal_error *err);

/* Open one side of the ring in region[0, region_len): one snapshot of the header
 * (the magic, an acquire fence, the rest), checked in this order: magic, capacity,
 * max_message, reserved0, reserved1, reserved2 (the first non-zero byte is named),
 * capacity against region_len, head and tail multiples of 8, then used = head - tail
 * (mod 2^32) <= capacity (named: the other side's index).  The producer keeps head,
 * the consumer tail, from that snapshot.  E_ARG for a NULL r or region, a region not
 * 64-byte aligned or shorter than 192 bytes, or another role. */
SHM_SIGNAL_API int shm_signal_ring_open(struct shm_signal_ring *r, void *region, size_t region_len, int role,
					struct shm_signal_error *err);

/* Producer, spec 15.3: publish the n bytes at msg as one message.  0: published;
 * SHM_SIGNAL_E_FULL: not published (a padding record may have been, when the
 * message did not fit before the end of the data area and the bytes up to the end
 * were free: r->pos moved, and the caller must inject before it waits, R15-16);
 * BAD_RING: `tail` is not a multiple of 8 or head - tail > capacity;
 * E_ARG (nothing written): not the producer, n > max_message, or msg NULL with n >
 * 0.  Never injects on the channel: that is the caller's step 5. */
SHM_SIGNAL_API int shm_signal_ring_send(struct shm_signal_ring *r, const void *msg, uint32_t n,
					struct shm_signal_error *err);

/* Consumer, spec 15.4: take the next message (releasing a padding record before it
 * on the way, with its own tail store).  0: its length in *n and its payload in
 * buf; SHM_SIGNAL_E_EMPTY: none (*n = 0); E_ARG: not the consumer, n NULL, or
 * buf_len (or a NULL buf) too small: *n = the length needed, the message stays;
 * BAD_RING: `head` (not a multiple of 8, or head - tail > capacity) or the record
 * at tail (`kind` not 0 or 1, padding at data offset 0; `length` above max_message,
 * crossing the end of the data area, beyond head, or for padding not reaching the
 * end exactly).  Never injects on the channel: that is the caller's step 4. */
SHM_SIGNAL_API int shm_signal_ring_recv(struct shm_signal_ring *r, void *buf, uint32_t buf_len, uint32_t *n,
					struct shm_signal_error *err);

/* Producer, zero copy: room for a message of up to n bytes, for the caller to write
 * in place: *out points at its payload in the ring.  0, SHM_SIGNAL_E_FULL (as send;
 * *out NULL), BAD_RING, or E_ARG (as send, or a reservation already in hand).
 * Nothing is published until shm_signal_ring_commit; until then no other send or
 * reserve.  The payload is shared memory: write it, never read it back. */
SHM_SIGNAL_API int shm_signal_ring_reserve(struct shm_signal_ring *r, uint32_t n, void **out,
					   struct shm_signal_error *err);

/* Publish the first n bytes of the reservation (n <= the bytes reserved), as send
 * does (15.3 step 4), or with n = SHM_SIGNAL_RING_CANCEL nothing (a padding record
 * the reservation needed stays published).  E_ARG without a reservation in hand or
 * for an n above it. */
#define SHM_SIGNAL_RING_CANCEL UINT32_MAX
SHM_SIGNAL_API int shm_signal_ring_commit(struct shm_signal_ring *r, uint32_t n, struct shm_signal_error *err);

/* Consumer, zero copy: the next message in place, *out and *n, valid until
 * shm_signal_ring_release; the same checks and results as recv.  A hostile producer
 * can change the bytes meanwhile: copy what must stay as it was. */
SHM_SIGNAL_API int shm_signal_ring_peek(struct shm_signal_ring *r, const void **out, uint32_t *n,
					struct shm_signal_error *err);

/* Hand the peeked message back to the producer (15.4 step 3).  E_ARG without one. */
SHM_SIGNAL_API int shm_signal_ring_release(struct shm_signal_ring *r, struct shm_signal_error *err);

/*
 * Open one of the channel's own rings (spec 15.6) into *r: role
 * SHM_SIGNAL_RING_PRODUCER, the ring this side's locality produces into, or
 * SHM_SIGNAL_RING_CONSUMER, the other side's.  Only once MESSAGE_RINGS is negotiated
 * (a creator learns the set when its peer has attached, as shm_signal_features):
 * else UNSUPPORTED_FEATURE, field features_accepted.  North's ring is at descriptor
 * offset 192, south's where north's capacity c0 (read once) puts it, 384 + c0;
 * BAD_RING naming capacity (ring offset 4) when c0 is not a power of two from 64 to
 * 2^30 or leaves no room for a south ring (north's), or when 576 + c0 + c1 is not the
 * desc_size the channel validated (south's).  Then shm_signal_ring_open over exactly
 * that ring's 192 + capacity bytes, with its checks and faults.  After a BAD_RING *r
 * returns it from every call; the channel and the other ring are not affected.  *r
 * points into the channel's mapping: use it only until shm_signal_close(ch).  E_ARG
 * for a NULL or closed channel, a NULL r or another role.
 */
SHM_SIGNAL_API int shm_signal_channel_ring(shm_signal_chan *ch, int role, struct shm_signal_ring *r,
					   struct shm_signal_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SHM_SIGNAL_ENGINE_H */
