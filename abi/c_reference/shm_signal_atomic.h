/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_atomic.h - memory-ordering primitives exported by libshm_signal for
 * peers that cannot fence on their own (the Python engine uses them via ctypes).
 */
#ifndef SHM_SIGNAL_ATOMIC_H
#define SHM_SIGNAL_ATOMIC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SHM_SIGNAL_API __declspec(dllexport)
#else
#define SHM_SIGNAL_API __attribute__((visibility("default")))
#endif

/* Seconds on a monotonic clock (CLOCK_MONOTONIC, QueryPerformanceCounter). */
SHM_SIGNAL_API double shm_signal_now_s(void);
/* A spin-wait hint (pause, yield): lets the sibling hyperthread run and saves power. */
SHM_SIGNAL_API void shm_signal_cpu_relax(void);

/* A full (seq_cst) fence. */
SHM_SIGNAL_API void shm_signal_fence(void);

/* Load the 4-byte-aligned wait word at `word`; returned with enabled in bits 0-7,
 * pending in 8-15, dirty in 16-23 on every host. */
SHM_SIGNAL_API uint32_t shm_signal_load_word(const void *word);

/* Release fence; store `value` to the flag byte at `flag`; full fence; return the
 * wait word at `word` as shm_signal_load_word does.  One store-then-load point. */
SHM_SIGNAL_API uint32_t shm_signal_store_fence_load(void *flag, uint8_t value, const void *word);

/*
 * One side of a channel, for the fused steps below: the addresses of its own irq
 * record and of the remote's, and whether WAITER_FLAG was negotiated.  The caller
 * owns the struct and may change waiter_flag once negotiation completes.
 */
struct shm_signal_side {
	void *own;
	void *remote;
	uint32_t waiter_flag;
	double spin_s; /* the longest one spin call looks for work, in seconds */
	/* The mapping's flag from shm_signal_guard() (NULL: none).  Once it is non-zero
	 * the file shrank under the mapping, and every step returns SHM_SIGNAL_SIDE_FAULT
	 * without touching the records. */
	const uint32_t *fired;
};

/* Every fused step: the truncation guard fired for this mapping (MAPPING_TOO_SMALL). */
#define SHM_SIGNAL_SIDE_FAULT (-1)

/* shm_signal_side_step results. */
#define SHM_SIGNAL_STEP_DONE 0   /* disabled, or no work left: the wakeup ends */
#define SHM_SIGNAL_STEP_NOTIFY 1 /* dirty was set and is now cleared (F2): run the notifier */
#define SHM_SIGNAL_STEP_AGAIN 2  /* pending cleared (F3) and work is back: a new round */
#define SHM_SIGNAL_STEP_IDLE 3   /* shm_signal_side_spin_step only: no work within spin_s */

/* Spec 7.1 up to the wake-up: F0, dirty = 1, F1; if the remote is enabled and has
 * nothing pending, pending = 1 and (WAITER_FLAG) F6 and a re-read of its waiting
 * byte.  Returns 0 when no notification is needed; otherwise, with WAITER_FLAG, the
 * waiting byte read after F6 (1-255: bit 1 under GROUP_DOORBELL means ring the
 * doorbell, spec 7.8), and 1 without. */
SHM_SIGNAL_API int shm_signal_side_inject(const struct shm_signal_side *side);

/* F7 (spec 7.8): atomically add 1 to the little-endian 32-bit counter at `word` (a
 * doorbell), as a full fence.  Returns the value before. */
SHM_SIGNAL_API uint32_t shm_signal_ring_le32(void *word);

/* One step of spec 7.2's wakeup loop on the own record: if enabled and dirty, clear
 * dirty, F2, and return NOTIFY; else if enabled and pending, clear pending, F3, and
 * return AGAIN if work is back, DONE if not; DONE when disabled or idle.  The
 * caller's loop counts notifier calls and rounds against its budget. */
SHM_SIGNAL_API int shm_signal_side_step(const struct shm_signal_side *side);

/* WAITER_FLAG (7.5): waiting = 1, F5, then return 1 if the own record is enabled
 * with work (the caller clears waiting and does not park), 0 if it may park. */
SHM_SIGNAL_API int shm_signal_side_announce_park(const struct shm_signal_side *side);

/* Look at the own record until it is enabled with work, for at most spin_s
 * seconds (plain loads, no fence: finding work early is all a spin is for; the
 * step that follows has the fences).  Returns 1 on work, 0 when the time is up. */
SHM_SIGNAL_API int shm_signal_side_spin(const struct shm_signal_side *side);

/* shm_signal_side_spin, then on work shm_signal_side_step; STEP_IDLE if none. */
SHM_SIGNAL_API int shm_signal_side_spin_step(const struct shm_signal_side *side);

#ifdef __cplusplus
}
#endif

#endif /* SHM_SIGNAL_ATOMIC_H */
