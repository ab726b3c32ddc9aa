/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_internal.h - internal to libshm_signal: what the engine's translation
 * units share.  The channel struct, the offsets of the descriptor's and the records'
 * fields (offsetof on shm_signal.h's structures, nothing else), the one set of shared
 * loads and stores (relaxed C11 atomics of the little-endian bytes), and the
 * functions one file of the engine gives another.  Include it first: it sets the
 * feature-test macros the system headers need.  Not part of the API: nothing here is
 * exported (the library is built with hidden visibility).
 *
 * Where things are: shm_signal_error.c (error details, fault names),
 * shm_signal_validate.c (spec 6.4), shm_signal_handshake.c (channel lifetime,
 * liveness locks, create, attach, feature negotiation: spec 6, 9),
 * shm_signal_protocol.c (spec 7: inject, wakeup, enable, disable, wait, close, peer
 * checks), shm_signal_wake*.c (spec 8, behind shm_signal_wake.h), shm_signal_os.c
 * (sleep, pid, random bytes, the OS's last error), shm_signal_file.c (files,
 * mappings, lock bytes), shm_signal_guard.c (the truncation guard), shm_signal_ring.c
 * (message rings: spec 15, draft), shm_signal_rings.c (the channel's two rings:
 * spec 15.6, MESSAGE_RINGS), shm_signal_data.c (the application's own bytes of the
 * channel's file).
 *
 * Shared bytes are touched only with C11 atomics (relaxed, ordered by explicit
 * fences), so a hostile or racing peer can give us odd values but never undefined
 * behaviour in the compiler's eyes.  Every loop over shared state is bounded.
 */
#ifndef SHM_SIGNAL_INTERNAL_H
#define SHM_SIGNAL_INTERNAL_H

#if !defined(_WIN32) && !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64 /* the liveness lock offset is above 2^32 */
#endif
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* F_OFD_SETLK, syscall(), O_CLOEXEC, nanosleep under -std=c11 */
#endif
#if defined(_WIN32)
#define _CRT_RAND_S /* rand_s: RtlGenRandom without linking another library */
#endif

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shm_signal_engine.h"
#include "shm_signal_file.h"

#define DEFAULT_BUDGET 1024u
#define DEFAULT_LIVENESS_S 0.1
#define POLL_INTERVAL_S 0.001 /* the "no channel" mode's polling interval */
#define MAX_PARK_S 3600.0     /* the longest single kernel wait: "no limit" parks again */
/* A candidate lost wake-up (a timed-out park that then found a notification pending)
 * counts as `late` only if the remote's notify_count has not moved this long after:
 * the remote counts before it wakes, and may be preempted in between. */
#define LATE_GRACE_S 0.5

#ifndef SHM_SIGNAL_LOCK_BASE /* older copies of shm_signal.h */
#define SHM_SIGNAL_LOCK_BASE (UINT64_C(1) << 40)
#endif

/* The largest descriptor offset: its bytes, and its records' liveness bytes at
 * SHM_SIGNAL_LOCK_BASE + offset + 64 + 64 * L, lie below 2^63 (off_t is signed). */
#define MAX_OFFSET ((uint64_t)INT64_MAX - SHM_SIGNAL_LOCK_BASE - SHM_SIGNAL_DESC_SIZE)

/* Spec 15.6: with MESSAGE_RINGS the descriptor's 192 bytes are followed by north's
 * ring, then south's, each a 192-byte header and its data: 576 bytes and the two
 * capacities.  The smallest desc_size holds two rings of 64 data bytes (6.4 rule 5);
 * the largest, 576 + 2^31, still fits desc_size's 32 bits, and offset + desc_size
 * stays below 2^63 for any offset up to MAX_OFFSET. */
#define RINGS_FIXED (SHM_SIGNAL_DESC_SIZE + 2u * SHM_SIGNAL_RING_HEADER) /* 576 */
#define RINGS_MIN_DESC_SIZE (RINGS_FIXED + 2u * SHM_SIGNAL_RING_MIN_CAPACITY) /* 704 */

/* Offsets and sizes of fields, from shm_signal.h's structures (its asserts pin them). */
#define D_OFF(m) offsetof(struct shm_signal_desc, m)
#define D_SIZE(m) sizeof(((struct shm_signal_desc *)0)->m)
#define R_OFF(m) offsetof(struct shm_signal_irq, m)
#define R_SIZE(m) sizeof(((struct shm_signal_irq *)0)->m)
#define OFF_IRQ(l) (D_OFF(irq) + sizeof(struct shm_signal_irq) * (l)) /* record l */
/* The same as an error report's int64_t offset: field m, field m of record l. */
#define D_AT(m) ((int64_t)D_OFF(m))
#define R_AT(l, m) ((int64_t)(OFF_IRQ(l) + R_OFF(m)))
#define F_ENABLED R_OFF(enabled)
#define F_PENDING R_OFF(pending)
#define F_DIRTY R_OFF(dirty)
#define F_WAITING R_OFF(pad0) /* the owner's waiting flag when WAITER_FLAG is negotiated */

/* The spin before a park (shm_signal_spin.c): a fixed one, or "auto" learning
 * whether spinning pays. */
struct shm_signal_spin {
	int is_auto;
	double fixed_s;       /* the spin when not auto */
	uint32_t credit;      /* auto: spins that found work, less those that did not */
	uint32_t probe;       /* auto, no credit: waits since the last probe */
	uint32_t probe_every; /* ... and between probes */
	double probe_s;       /* the next probe's spin */
	int cpus;             /* CPUs a peer could run on while we spin */
	int (*cpus_now)(void); /* how to count them (shm_signal_cpus; a test forces one) */
};

void shm_signal_spin_init(struct shm_signal_spin *s, double seconds);
/* The spin of this wait, in seconds (0: park at once). */
double shm_signal_spin_pick(struct shm_signal_spin *s);
/* A spin of this wait found work (`late`: only after SHM_SIGNAL_AUTO_SPIN_S), or not. */
void shm_signal_spin_learn(struct shm_signal_spin *s, int found, int late);

struct shm_signal_chan {
	struct shm_signal_file *file; /* shared by the channels of this file in this process */
	struct shm_signal_map *map;   /* the same, per mapping; map->fired set by the guard */
	unsigned char *desc;          /* map->base + offset */
	uint64_t offset;
	uint32_t desc_size; /* creator: what it wrote; attacher: from the validated snapshot */
	uint32_t locality, remote;
	int is_creator;
	uint64_t supported; /* this side's feature set */
	uint64_t offered;   /* creator: what it wrote; attacher: from the validated snapshot */
	uint64_t required;  /* creator: what it wrote */
	uint64_t features;  /* negotiated, valid when negotiated != 0 */
	int negotiated;
	int peer_seen; /* the remote's state read attached once: empty from now on is a fault */
	int locked[2]; /* liveness bytes this channel holds, per record */
	int published; /* own state stored attached: a failure must store closed */
	int closed;
	uint8_t instance_id[16];
	int late_armed; /* a candidate lost wake-up, settled later (LATE_GRACE_S) */
	uint64_t late_count;
	double late_since;
	shm_signal_notifier notifier;
	void *notifier_ctx;
	uint32_t budget;
	double liveness_s;
	struct shm_signal_spin spin;
	struct shm_signal_stats stats;
	double any_checked; /* shm_signal_wait_any: when it last checked the peer (0: never) */
	int any_gone;       /* shm_signal_wait_any: its peer has gone (this call) */
	int any_mark;       /* shm_signal_wait_any: seen in this call's list, at any_index */
	uint32_t any_index;
	/* Mappings shm_signal_data handed out beyond `map`, one reference each: the
	 * pointers it returned stay valid until close (shm_signal_data.c). */
	struct shm_signal_map **data_maps;
	uint32_t n_data_maps;
	/* The wake layer's objects, north and south (Windows: the named auto-reset events'
	 * HANDLEs); NULL if unused, and always on other OSes. */
	void *events[2];
};

/* ------------------------------------------------------- shared accesses */

SHM_SIGNAL_INLINE uint8_t ld8(const unsigned char *p)
{
	return atomic_load_explicit((_Atomic uint8_t *)(uintptr_t)p, memory_order_relaxed);
}

SHM_SIGNAL_INLINE void st8(unsigned char *p, uint8_t v)
{
	atomic_store_explicit((_Atomic uint8_t *)(uintptr_t)p, v, memory_order_relaxed);
}

/* Multi-byte fields: one atomic access of the raw (little-endian) representation. */
SHM_SIGNAL_INLINE uint32_t ld32(const unsigned char *p)
{
	uint32_t raw = atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)p, memory_order_relaxed);
	unsigned char b[4];
	memcpy(b, &raw, 4);
	return shm_signal_load_le32(b);
}

SHM_SIGNAL_INLINE void st32(unsigned char *p, uint32_t v)
{
	unsigned char b[4];
	uint32_t raw;
	shm_signal_store_le32(b, v);
	memcpy(&raw, b, 4);
	atomic_store_explicit((_Atomic uint32_t *)(uintptr_t)p, raw, memory_order_relaxed);
}

SHM_SIGNAL_INLINE uint64_t ld64(const unsigned char *p)
{
	uint64_t raw = atomic_load_explicit((_Atomic uint64_t *)(uintptr_t)p, memory_order_relaxed);
	unsigned char b[8];
	memcpy(b, &raw, 8);
	return shm_signal_load_le64(b);
}

SHM_SIGNAL_INLINE void st64(unsigned char *p, uint64_t v)
{
	unsigned char b[8];
	uint64_t raw;
	shm_signal_store_le64(b, v);
	memcpy(&raw, b, 8);
	atomic_store_explicit((_Atomic uint64_t *)(uintptr_t)p, raw, memory_order_relaxed);
}

/* The raw 32-bit wait word (the record's first four bytes), as the kernel compares it. */
SHM_SIGNAL_INLINE uint32_t ld_word_raw(const unsigned char *p)
{
	return atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)p, memory_order_relaxed);
}

/* Work for an enabled owner (spec 7.5), decided from one load of the wait word (the
 * value the park then compares): enabled, and dirty or pending.  A disabled owner has
 * none: injects do not notify it, so waiting for one parks. */
SHM_SIGNAL_INLINE int word_has_work(uint32_t raw)
{
	unsigned char b[4];
	memcpy(b, &raw, 4); /* the word's bytes in memory order, on any host */
	return b[F_ENABLED] == 1 && (b[F_DIRTY] == 1 || b[F_PENDING] == 1);
}

/* Record `loc` of the channel's descriptor. */
SHM_SIGNAL_INLINE unsigned char *rec(const shm_signal_chan *ch, uint32_t loc)
{
	return ch->desc + OFF_IRQ(loc);
}

/* GROUP_DOORBELL is offered and accepted only with both of these (spec 6.4 rule 12). */
#define SHM_SIGNAL_DOORBELL_NEEDS (SHM_SIGNAL_F_WAKE_ADDRESS | SHM_SIGNAL_F_WAITER_FLAG)

/* Spec 7.8: the doorbell of locality `loc`, in the head (the descriptor at file offset
 * 0, where every mapping starts): file offset 64 + 64 * loc + 24, fixed by loc alone. */
SHM_SIGNAL_INLINE unsigned char *doorbell(const shm_signal_chan *ch, uint32_t loc)
{
	return ch->map->base + OFF_IRQ(loc) + R_OFF(doorbell);
}

/* GROUP_DOORBELL negotiated on this channel. */
SHM_SIGNAL_INLINE int has_doorbell(const shm_signal_chan *ch)
{
	return ch->negotiated && (ch->features & SHM_SIGNAL_F_GROUP_DOORBELL);
}

/* Record `loc`'s liveness byte: spec 9, beyond any mapping, so Windows' mandatory
 * locks never block a read. */
SHM_SIGNAL_INLINE uint64_t lock_offset(const shm_signal_chan *ch, uint32_t loc)
{
	return SHM_SIGNAL_LOCK_BASE + ch->offset + OFF_IRQ(loc);
}

/* ------------------------------------------------ errors (shm_signal_error.c) */

#define set_err shm_signal_err_set
#define sys_err shm_signal_err_sys
#define fault_at shm_signal_err_fault
#define state_field shm_signal_state_field

/* A fault with `actual` shown as 0x<hex>; returns code. */
int shm_signal_err_fault(struct shm_signal_error *err, int code, const char *field, int64_t off,
			 const char *msg, const char *expected, unsigned long long actual);
/* "irq[0].state", "irq[1].state": the field of a record's state, for messages. */
extern const char *const shm_signal_state_field[2];

/* ------------------------------------------- validation (shm_signal_validate.c) */

/* Copy `n` (<= 192) descriptor bytes from the mapping, the magic first (spec 6.4). */
void shm_signal_snapshot(const unsigned char *desc, unsigned char *d, unsigned n);
/* Rules 3-13 of spec 6.4 on a snapshot `d` of a mapping `len` bytes long. */
int shm_signal_validate_snapshot(const unsigned char *d, uint64_t len, uint64_t offset, uint64_t supported,
				 struct shm_signal_error *err);

/* ------------------------------------------- handshake (shm_signal_handshake.c) */

/* Release everything a channel holds (storing closed first if it published). */
void shm_signal_chan_free(shm_signal_chan *ch);
/* Creator: learn the negotiated set once the attacher reads attached (spec 6.2). */
int shm_signal_refresh_features(shm_signal_chan *ch, struct shm_signal_error *err);

/* ------------------------------------------- message rings (shm_signal_ring.c) */

/* A power of two from 64 to 2^30 (15.1). */
int shm_signal_ring_capacity_ok(uint32_t c);
/* A new ring's header at b but its magic (15.1): capacity, max_message, zeros from 12
 * to 192.  The caller's release fence orders them before the magic it stores. */
void shm_signal_ring_write_header(unsigned char *b, uint32_t capacity, uint32_t max_message);
/* Clear the handle r and refuse its ring with BAD_RING (field at ring offset off):
 * every later call on r returns that fault. */
int shm_signal_ring_refuse(struct shm_signal_ring *r, struct shm_signal_error *err, const char *field,
			   uint32_t off, const char *msg, const char *expected, uint32_t actual);

/* -------------------------------- the channel's rings (shm_signal_rings.c, 15.6) */

/* create's arguments: capacity[2] (NULL: no rings; then max_message must be NULL),
 * max_message[2] (NULL, or 0 for capacity - 8) into max_out[2], the descriptor's
 * size into *desc_size (192 without rings).  0 or E_ARG. */
int shm_signal_rings_plan(const uint32_t *capacity, const uint32_t *max_message, uint32_t max_out[2],
			  uint32_t *desc_size, struct shm_signal_error *err);
/* Spec 6.1 step 3 for the rings' bytes [offset + 192, offset + desc_size) of a file
 * `len` bytes long, after `d` (the 192 bytes at offset, zero past the end) passed
 * the descriptor's own check: 0, BAD_RING (field "ring" at the first non-zero
 * byte's descriptor offset), or an error. */
int shm_signal_rings_look(shm_signal_chan *ch, const unsigned char *d, uint64_t len, uint32_t desc_size,
			  struct shm_signal_error *err);
/* Step 5 for the rings' bytes: zero [192, desc_size) of the descriptor. */
void shm_signal_rings_zero(unsigned char *desc, uint32_t desc_size);
/* Step 6: both rings' headers, then their magics; the descriptor's fence of step 8
 * orders them before its own magic. */
void shm_signal_rings_write(unsigned char *desc, const uint32_t capacity[2], const uint32_t max_message[2]);

/* ------------------------------------------------- data (shm_signal_data.c) */

/* Release the mappings shm_signal_data handed out (chan_free). */
void shm_signal_data_release(shm_signal_chan *ch);

/* ------------------------------------------- protocol (shm_signal_protocol.c) */

/* 0, or E_ARG for a NULL or closed channel, MAPPING_TOO_SMALL once its guard fired. */
int shm_signal_check_open(const shm_signal_chan *ch, struct shm_signal_error *err);
/* MAPPING_TOO_SMALL, BAD_STATE, PEER_CLOSED, PEER_DEAD, or 0.  `check_lock` allows
 * the system calls (file size, lock probe): once per liveness interval in a wait. */
int shm_signal_peer_fault(shm_signal_chan *ch, int check_lock, struct shm_signal_error *err);

/* ---------------------------------------------------------- OS (shm_signal_os.c) */

void shm_signal_sleep_s(double s);
uint32_t shm_signal_own_pid(void);
int shm_signal_random_bytes(uint8_t *out, size_t n);
/* errno, or GetLastError() on Windows. */
int shm_signal_os_error(void);
/* The CPUs of the machine (at least 1): not this process's affinity, since a
 * process pinned to one CPU may well have its peer on another. */
int shm_signal_cpus(void);

#endif /* SHM_SIGNAL_INTERNAL_H */
