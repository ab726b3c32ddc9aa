/* SPDX-License-Identifier: MIT */
/*
 * shm_signal.c - the C reference engine of shm-signal ABI v1 (docs/spec.md 6-9).
 *
 * Three parts: the OS layer (wake-up channels, clocks) for POSIX and Windows;
 * descriptor validation in the order of spec 6.4, on one snapshot; creation, attach
 * and the protocol of spec 7 with the fences F0-F6 at exactly the points the spec
 * names.  Files, mappings and liveness locks are shared by all channels of a file in
 * this process: shm_signal_file.c.
 *
 * Shared bytes are touched only with C11 atomics (relaxed, ordered by explicit
 * fences), so a hostile or racing peer can give us odd values but never undefined
 * behaviour in the compiler's eyes.  Every loop over shared state is bounded.
 */
#if !defined(_WIN32) && !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64 /* the liveness lock offset is above 2^32 */
#endif
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* F_OFD_SETLK, syscall() */
#endif
#if defined(_WIN32)
#define _CRT_RAND_S /* rand_s: RtlGenRandom without linking another library */
#endif

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#elif defined(__APPLE__)
#include <dlfcn.h>
#endif
#endif

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

/* Offsets inside the descriptor (checked against shm_signal.h by its asserts). */
#define OFF_IRQ(l) (64u + 64u * (l))
#define F_ENABLED 0u
#define F_PENDING 1u
#define F_DIRTY 2u
#define F_WAITING 3u /* pad0: the owner's waiting flag when WAITER_FLAG is negotiated */

struct shm_signal_chan {
	struct shm_signal_file *file; /* shared by the channels of this file in this process */
	struct shm_signal_map *map;   /* the same, per mapping; map->fired set by the guard */
	unsigned char *desc;          /* map->base + offset */
	uint64_t offset;
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
	struct shm_signal_stats stats;
#if defined(_WIN32)
	HANDLE events[2]; /* named auto-reset events, north and south; NULL if unused */
#endif
};

/* ---------------------------------------------------------------- errors */

int shm_signal_err_set(struct shm_signal_error *err, int code, const char *field, int64_t offset,
		       const char *expected, const char *actual, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		memset(err, 0, sizeof *err);
		err->code = code;
		err->offset = offset;
		snprintf(err->field, sizeof err->field, "%s", field ? field : "");
		snprintf(err->expected, sizeof err->expected, "%s", expected ? expected : "");
		snprintf(err->actual, sizeof err->actual, "%s", actual ? actual : "");
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return code;
}

#define set_err shm_signal_err_set
#define sys_err shm_signal_err_sys

#if defined(_WIN32)
#define LAST_OS_ERROR() ((int)GetLastError())
#else
#define LAST_OS_ERROR() errno
#endif

int shm_signal_err_sys(struct shm_signal_error *err, const char *what)
{
	int e = LAST_OS_ERROR();
	shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "%s failed (os error %d)", what, e);
	if (err)
		err->sys_errno = e;
	return SHM_SIGNAL_E_SYSTEM;
}

static const char *const fault_names[] = {
	"OK", "BAD_MAGIC", "BYTE_SWAPPED", "BAD_VERSION", "BAD_SIZE", "MAPPING_TOO_SMALL",
	"BAD_OFFSET", "BAD_LOCALITY", "RESERVED_NONZERO", "BAD_FLAG", "BAD_STATE",
	"BAD_FEATURES", "UNSUPPORTED_FEATURE", "BAD_INSTANCE_ID", "LOCALITY_BUSY",
	"PEER_DEAD", "PEER_CLOSED",
};

const char *shm_signal_fault_name(int code)
{
	if (code >= 0 && code < (int)(sizeof fault_names / sizeof fault_names[0]))
		return fault_names[code];
	switch (code) {
	case SHM_SIGNAL_E_ARG: return "E_ARG";
	case SHM_SIGNAL_E_SYSTEM: return "E_SYSTEM";
	case SHM_SIGNAL_E_NOTIFIER: return "E_NOTIFIER";
	case SHM_SIGNAL_E_EXISTS: return "E_EXISTS";
	case SHM_SIGNAL_E_TIMEOUT: return "E_TIMEOUT";
	default: return "?";
	}
}

/* ------------------------------------------------------- shared accesses */

static uint8_t ld8(const unsigned char *p)
{
	return atomic_load_explicit((_Atomic uint8_t *)(uintptr_t)p, memory_order_relaxed);
}

static void st8(unsigned char *p, uint8_t v)
{
	atomic_store_explicit((_Atomic uint8_t *)(uintptr_t)p, v, memory_order_relaxed);
}

/* Multi-byte fields: one atomic access of the raw (little-endian) representation. */
static uint32_t ld32(const unsigned char *p)
{
	uint32_t raw = atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)p, memory_order_relaxed);
	unsigned char b[4];
	memcpy(b, &raw, 4);
	return shm_signal_load_le32(b);
}

static void st32(unsigned char *p, uint32_t v)
{
	unsigned char b[4];
	uint32_t raw;
	shm_signal_store_le32(b, v);
	memcpy(&raw, b, 4);
	atomic_store_explicit((_Atomic uint32_t *)(uintptr_t)p, raw, memory_order_relaxed);
}

static uint64_t ld64(const unsigned char *p)
{
	uint64_t raw = atomic_load_explicit((_Atomic uint64_t *)(uintptr_t)p, memory_order_relaxed);
	unsigned char b[8];
	memcpy(b, &raw, 8);
	return shm_signal_load_le64(b);
}

static void st64(unsigned char *p, uint64_t v)
{
	unsigned char b[8];
	uint64_t raw;
	shm_signal_store_le64(b, v);
	memcpy(&raw, b, 8);
	atomic_store_explicit((_Atomic uint64_t *)(uintptr_t)p, raw, memory_order_relaxed);
}

/* The raw 32-bit wait word, as the kernel compares it. */
static uint32_t ld_word_raw(const unsigned char *p)
{
	return atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)p, memory_order_relaxed);
}

static unsigned char *rec(const shm_signal_chan *ch, uint32_t loc)
{
	return ch->desc + OFF_IRQ(loc);
}

/* ---------------------------------------------------------------- clocks */

static void sleep_s(double s)
{
	if (s <= 0)
		return;
#if defined(_WIN32)
	Sleep((DWORD)(s * 1000.0 + 0.999));
#else
	struct timespec ts;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
#endif
}

static uint32_t own_pid(void)
{
#if defined(_WIN32)
	return (uint32_t)GetCurrentProcessId();
#else
	return (uint32_t)getpid();
#endif
}

static int random_bytes(uint8_t *out, size_t n)
{
#if defined(_WIN32)
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned int v;
		if (rand_s(&v) != 0)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
#else
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got < n) {
		ssize_t r = read(fd, out + got, n - got);
		if (r <= 0 && errno != EINTR)
			break;
		if (r > 0)
			got += (size_t)r;
	}
	close(fd);
	return got == n ? 0 : -1;
#endif
}

/* --------------------------------------------------- features and wakes */

uint64_t shm_signal_supported_features(void)
{
	uint64_t f = SHM_SIGNAL_F_NOTIFY_COUNT | SHM_SIGNAL_F_LIVENESS_LOCK | SHM_SIGNAL_F_WAITER_FLAG;
#if defined(_WIN32)
	f |= SHM_SIGNAL_F_WAKE_NAMED_EVENT;
#elif defined(__linux__) || defined(__APPLE__)
	f |= SHM_SIGNAL_F_WAKE_ADDRESS;
#endif
	return f;
}

#if defined(__APPLE__)
/* os_sync_* (macOS 14.4+) looked up at run time; __ulock_* as the fallback. */
#define OS_SYNC_SHARED 1u
#define OS_CLOCK_MACH_ABSOLUTE_TIME 32u
#define UL_COMPARE_AND_WAIT_SHARED 3u
#define ULF_WAKE_ALL 0x100u
extern int __ulock_wait(uint32_t op, void *addr, uint64_t value, uint32_t timeout_us);
extern int __ulock_wake(uint32_t op, void *addr, uint64_t wake_value);
typedef int (*os_sync_wait_fn)(void *, uint64_t, size_t, uint32_t, uint32_t, uint64_t);
typedef int (*os_sync_wake_fn)(void *, size_t, uint32_t);
static os_sync_wait_fn apple_wait(void)
{
	static os_sync_wait_fn fn;
	static int looked;
	if (!looked) {
		fn = (os_sync_wait_fn)dlsym(RTLD_DEFAULT, "os_sync_wait_on_address_with_timeout");
		looked = 1;
	}
	return fn;
}
static os_sync_wake_fn apple_wake(void)
{
	static os_sync_wake_fn fn;
	static int looked;
	if (!looked) {
		fn = (os_sync_wake_fn)dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_all");
		looked = 1;
	}
	return fn;
}
#endif

/* Wake every waiter on the wait word of record `loc` (spec 8.1). */
static void wake_address(shm_signal_chan *ch, uint32_t loc)
{
	void *word = rec(ch, loc);
#if defined(__linux__)
	/* No FUTEX_PRIVATE_FLAG: the waiter is another process. */
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#elif defined(__APPLE__)
	os_sync_wake_fn fn = apple_wake();
	if (fn)
		fn(word, 4, OS_SYNC_SHARED);
	else
		__ulock_wake(UL_COMPARE_AND_WAIT_SHARED | ULF_WAKE_ALL, word, 0);
#else
	(void)word;
#endif
}

/* Park on the own wait word while it still holds `raw`, at most `s` seconds (< 0:
 * no limit); 1 if the timeout expired. */
static int park_address(shm_signal_chan *ch, uint32_t raw, double s)
{
	void *word = rec(ch, ch->locality);
#if defined(__linux__)
	/* The kernel's timespec for SYS_futex is two longs (on 32-bit: old_timespec32),
	 * whatever size the C library gives time_t (musl on 32-bit: 64-bit). */
	struct {
		long tv_sec;
		long tv_nsec;
	} ts;
	if (s > MAX_PARK_S)
		s = MAX_PARK_S;
	ts.tv_sec = (long)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	/* No timeout, no kernel timer to arm and cancel: about 0.5 us per park. */
	if (syscall(SYS_futex, word, FUTEX_WAIT, raw, s < 0 ? NULL : (void *)&ts, NULL, 0) != 0)
		return errno == ETIMEDOUT;
	return 0; /* EAGAIN (word changed) and EINTR are normal returns */
#elif defined(__APPLE__)
	os_sync_wait_fn fn = apple_wait();
	if (s < 0 || s > MAX_PARK_S)
		s = MAX_PARK_S; /* "no limit": an hour, then the caller's loop parks again */
	if (fn) {
		if (fn(word, raw, 4, OS_SYNC_SHARED, OS_CLOCK_MACH_ABSOLUTE_TIME,
		       (uint64_t)(s * 1e9)) < 0)
			return errno == ETIMEDOUT;
		return 0;
	}
	if (__ulock_wait(UL_COMPARE_AND_WAIT_SHARED, word, raw, (uint32_t)(s * 1e6) + 1) < 0)
		return errno == ETIMEDOUT;
	return 0;
#else
	(void)word;
	(void)raw;
	sleep_s(s >= 0 && s < POLL_INTERVAL_S ? s : POLL_INTERVAL_S);
	return 1;
#endif
}

#if defined(_WIN32)
static int open_events(shm_signal_chan *ch, struct shm_signal_error *err)
{
	static const char *const names[2] = {"north", "south"};
	uint32_t l;
	for (l = 0; l < 2; l++) {
		static const char hex[] = "0123456789abcdef";
		char narrow[96];
		wchar_t name[96];
		int n = snprintf(narrow, sizeof narrow, "Local\\shm-signal-"), i;
		for (i = 0; i < 16; i++) {
			unsigned char b = ch->instance_id[i]; /* validated, never re-read */
			narrow[n++] = hex[b >> 4];
			narrow[n++] = hex[b & 15];
		}
		snprintf(narrow + n, sizeof narrow - (size_t)n, "-%s", names[l]);
		for (i = 0; narrow[i]; i++) /* ASCII only: widen byte by byte */
			name[i] = (wchar_t)narrow[i];
		name[i] = 0;
		/* create-or-open: the order of starting does not matter */
		ch->events[l] = CreateEventW(NULL, FALSE, FALSE, name);
		if (!ch->events[l])
			return sys_err(err, "CreateEventW");
	}
	return 0;
}
#endif

/* The negotiated wake bits, or (before the attach) what this side offered. */
static uint64_t wake_bits(const shm_signal_chan *ch)
{
	uint64_t f = ch->negotiated ? ch->features : (ch->offered & ch->supported);
	return f & (SHM_SIGNAL_F_WAKE_ADDRESS | SHM_SIGNAL_F_WAKE_NAMED_EVENT);
}

/* Send the cross-boundary notification to record `loc` on every negotiated channel. */
static void notify(shm_signal_chan *ch, uint32_t loc)
{
	uint64_t w = wake_bits(ch);
	if (w & SHM_SIGNAL_F_WAKE_ADDRESS)
		wake_address(ch, loc);
#if defined(_WIN32)
	if ((w & SHM_SIGNAL_F_WAKE_NAMED_EVENT) && ch->events[loc])
		SetEvent(ch->events[loc]);
#endif
}

/* Park until notified or `s` seconds pass; returns 1 if it ended by the timeout. */
static int park(shm_signal_chan *ch, uint32_t raw, double s)
{
	uint64_t w = wake_bits(ch);
	ch->stats.parks++;
	/* One channel to park on; the notifier uses all negotiated ones. */
	if (w & SHM_SIGNAL_F_WAKE_ADDRESS)
		return park_address(ch, raw, s);
#if defined(_WIN32)
	if ((w & SHM_SIGNAL_F_WAKE_NAMED_EVENT) && ch->events[ch->locality]) {
		DWORD ms = s < 0 ? INFINITE : (DWORD)((s < MAX_PARK_S ? s : MAX_PARK_S) * 1000.0 + 0.999);
		return WaitForSingleObject(ch->events[ch->locality], ms) == WAIT_TIMEOUT;
	}
#endif
	sleep_s(s >= 0 && s < POLL_INTERVAL_S ? s : POLL_INTERVAL_S);
	return 1;
}
/* ---------------------------------------------------- liveness (spec 9) */

#ifndef SHM_SIGNAL_LOCK_BASE /* older copies of shm_signal.h */
#define SHM_SIGNAL_LOCK_BASE (UINT64_C(1) << 40)
#endif

/* The largest descriptor offset: its bytes, and its records' liveness bytes at
 * SHM_SIGNAL_LOCK_BASE + offset + 64 + 64 * L, lie below 2^63 (off_t is signed). */
#define MAX_OFFSET ((uint64_t)INT64_MAX - SHM_SIGNAL_LOCK_BASE - SHM_SIGNAL_DESC_SIZE)

static uint64_t lock_offset(const shm_signal_chan *ch, uint32_t loc)
{
	/* spec 9: beyond any mapping, so Windows' mandatory locks never block a read */
	return SHM_SIGNAL_LOCK_BASE + ch->offset + OFF_IRQ(loc);
}

static const char *const state_field[2] = {"irq[0].state", "irq[1].state"};

/* Take record `loc`'s liveness byte: 0, LOCALITY_BUSY, or an error. */
static int take_lock(shm_signal_chan *ch, uint32_t loc, struct shm_signal_error *err)
{
	int rc = shm_signal_file_lock(ch->file, lock_offset(ch, loc), err);
	if (rc == 1)
		return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, state_field[loc], (int64_t)OFF_IRQ(loc) + 4,
			       "a free liveness lock", "held",
			       "the record's liveness lock is held (by another process, or another "
			       "channel of this one)");
	if (rc == 0)
		ch->locked[loc] = 1;
	return rc;
}

static void drop_lock(shm_signal_chan *ch, uint32_t loc)
{
	if (ch->locked[loc]) {
		shm_signal_file_unlock(ch->file, lock_offset(ch, loc));
		ch->locked[loc] = 0;
	}
}

static shm_signal_chan *chan_new(void)
{
	shm_signal_chan *ch = (shm_signal_chan *)calloc(1, sizeof *ch);
	if (!ch)
		return NULL;
	ch->budget = DEFAULT_BUDGET;
	ch->liveness_s = DEFAULT_LIVENESS_S;
	return ch;
}

/* Release everything a channel holds.  A channel that published its attached state
 * and did not close stores closed first: its lock going away must not read as a
 * death (spec 6.1, 6.3). */
static void chan_free(shm_signal_chan *ch)
{
	if (!ch)
		return;
	if (ch->published && !ch->closed) {
		st32(rec(ch, ch->locality) + 4, SHM_SIGNAL_STATE_CLOSED);
		atomic_thread_fence(memory_order_seq_cst);
	}
	drop_lock(ch, 0);
	drop_lock(ch, 1);
#if defined(_WIN32)
	if (ch->events[0])
		CloseHandle(ch->events[0]);
	if (ch->events[1])
		CloseHandle(ch->events[1]);
#endif
	shm_signal_map_release(ch->map);
	shm_signal_file_release(ch->file);
	free(ch);
}

static int fail(shm_signal_chan *ch, int rc)
{
	chan_free(ch);
	return rc;
}

/* ---------------------------------------------------- validation (6.4) */

static int fault_at(struct shm_signal_error *err, int code, const char *field, int64_t off,
		    const char *msg, const char *expected, unsigned long long actual)
{
	char a[48];
	snprintf(a, sizeof a, "0x%llx", actual);
	return set_err(err, code, field, off, expected, a, "%s", msg);
}

/* Copy `n` (<= 192) descriptor bytes from the mapping: the magic first, an acquire
 * fence, then the rest (spec 6.4; the creator's fence before its magic store is the
 * other half), so a snapshot with a valid magic holds all the creator wrote before. */
static void snapshot(const unsigned char *desc, unsigned char *d, unsigned n)
{
	unsigned i;
	for (i = 0; i < n && i < 4; i++)
		d[i] = ld8(desc + i);
	atomic_thread_fence(memory_order_acquire);
	for (; i < n; i++)
		d[i] = ld8(desc + i);
}

/* Rules 3-13 of spec 6.4 on a snapshot `d`; `len` is the mapping's length and rules 1
 * and 2 (offset aligned, offset + 192 <= len) hold. */
static int validate_snapshot(const unsigned char *d, uint64_t len, uint64_t offset, uint64_t supported,
			     struct shm_signal_error *err)
{
	uint32_t magic, version, size, creator, loc, i;
	uint64_t offered, required, accepted;
	uint32_t attacher_state;
	char field[40];

	magic = shm_signal_load_le32(d + 0);
	if (magic != SHM_SIGNAL_MAGIC)
		return fault_at(err, magic == SHM_SIGNAL_MAGIC_SWAPPED ? SHM_SIGNAL_FAULT_BYTE_SWAPPED
								       : SHM_SIGNAL_FAULT_BAD_MAGIC,
				"magic", 0, "bad magic", "0x58fa39df", magic);
	version = shm_signal_load_le32(d + 4);
	if (version != SHM_SIGNAL_VERSION)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_VERSION, "version", 4,
				"unsupported major version", "1", version);
	size = shm_signal_load_le32(d + 8);
	if (size < SHM_SIGNAL_DESC_SIZE || size % SHM_SIGNAL_DESC_ALIGN)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_SIZE, "desc_size", 8,
				"desc_size must be >= 192 and a multiple of 64",
				">= 192, multiple of 64", size);
	if (len - offset < size) /* offset <= len - 192: no overflow */
		return fault_at(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length",
				(int64_t)offset, "the mapping ends before offset + desc_size",
				"offset + desc_size", len);
	creator = shm_signal_load_le32(d + 12);
	if (creator > 1)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_LOCALITY, "creator", 12,
				"creator must be 0 (north) or 1 (south)", "0 or 1", creator);
	/* must-be-zero bytes in memory order */
	if (shm_signal_load_le64(d + 56))
		return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, "reserved0", 56,
				"reserved bytes must be zero", "0", shm_signal_load_le64(d + 56));
	for (loc = 0; loc < 2; loc++) {
		const unsigned char *r = d + OFF_IRQ(loc);
		/* spec 6.4 rule 8: with WAITER_FLAG offered, pad0 is a 0/1 flag */
		if ((shm_signal_load_le64(d + 16) & SHM_SIGNAL_F_WAITER_FLAG) && r[3] > 1) {
			snprintf(field, sizeof field, "irq[%u].pad0", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_BAD_FLAG, field, (int64_t)OFF_IRQ(loc) + 3,
					"with WAITER_FLAG, pad0 is a flag: 0 or 1", "0 or 1", r[3]);
		}
		if (r[3] && !(shm_signal_load_le64(d + 16) & SHM_SIGNAL_F_WAITER_FLAG)) {
			snprintf(field, sizeof field, "irq[%u].pad0", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
					(int64_t)OFF_IRQ(loc) + 3, "reserved bytes must be zero", "0", r[3]);
		}
		if (shm_signal_load_le32(r + 12)) {
			snprintf(field, sizeof field, "irq[%u].reserved0", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
					(int64_t)OFF_IRQ(loc) + 12, "reserved bytes must be zero", "0",
					shm_signal_load_le32(r + 12));
		}
		for (i = 0; i < 5; i++) {
			uint64_t v = shm_signal_load_le64(r + 24 + 8 * i);
			if (v) {
				snprintf(field, sizeof field, "irq[%u].reserved1[%u]", loc, i);
				return fault_at(err, SHM_SIGNAL_FAULT_RESERVED_NONZERO, field,
						(int64_t)(OFF_IRQ(loc) + 24 + 8 * i),
						"reserved bytes must be zero", "0", v);
			}
		}
	}
	for (i = 0; i < 16 && d[40 + i] == 0; i++) {
	}
	if (i == 16)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_INSTANCE_ID, "instance_id", 40,
				"instance_id is all zero", "not all zero", 0);
	for (loc = 0; loc < 2; loc++) {
		static const char *const flags[3] = {"enabled", "pending", "dirty"};
		const unsigned char *r = d + OFF_IRQ(loc);
		uint32_t state = shm_signal_load_le32(r + 4);
		for (i = 0; i < 3; i++) {
			if (r[i] > 1) {
				snprintf(field, sizeof field, "irq[%u].%s", loc, flags[i]);
				return fault_at(err, SHM_SIGNAL_FAULT_BAD_FLAG, field,
						(int64_t)(OFF_IRQ(loc) + i), "flag bytes hold 0 or 1",
						"0 or 1", r[i]);
			}
		}
		if (state > SHM_SIGNAL_STATE_CLOSED)
			return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, state_field[loc],
					(int64_t)OFF_IRQ(loc) + 4, "state must be 0, 1 or 2", "0, 1 or 2",
					state);
	}
	if (shm_signal_load_le32(d + OFF_IRQ(creator) + 4) == SHM_SIGNAL_STATE_EMPTY)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, state_field[creator],
				(int64_t)OFF_IRQ(creator) + 4, "the creator's record was never attached",
				"1 or 2", 0);
	offered = shm_signal_load_le64(d + 16);
	required = shm_signal_load_le64(d + 24);
	accepted = shm_signal_load_le64(d + 32);
	attacher_state = shm_signal_load_le32(d + OFF_IRQ(1 - creator) + 4);
	if (required & ~offered)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_required", 24,
				"features_required is not a subset of features_offered",
				"subset of features_offered", required);
	if ((accepted & ~offered) ||
	    (attacher_state != SHM_SIGNAL_STATE_EMPTY && (required & ~accepted)) ||
	    (attacher_state == SHM_SIGNAL_STATE_EMPTY && accepted))
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_accepted", 32,
				"features_accepted must be 0 before an attach, else between "
				"required and offered",
				"required <= accepted <= offered", accepted);
	if (required & ~supported)
		return fault_at(err, SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE, "features_required", 24,
				"a required feature is not implemented here", "subset of supported",
				required);
	return 0;
}

int shm_signal_validate(const void *mapping, uint64_t len, uint64_t offset, uint64_t supported,
			struct shm_signal_error *err)
{
	unsigned char d[SHM_SIGNAL_DESC_SIZE];
	if (offset % SHM_SIGNAL_DESC_ALIGN) /* -1 as in check_offset: no int64_t holds it */
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_OFFSET, "offset",
				offset > (uint64_t)INT64_MAX ? -1 : (int64_t)offset,
				"descriptor offset is not a multiple of 64", "multiple of 64", offset);
	if (offset > len || len - offset < SHM_SIGNAL_DESC_SIZE) /* never offset + 192: it wraps */
		return fault_at(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length",
				offset > (uint64_t)INT64_MAX ? -1 : (int64_t)offset,
				"the mapping ends before the descriptor does", "offset + 192", len);
	if (!mapping)
		return set_err(err, SHM_SIGNAL_E_ARG, "mapping", -1, NULL, NULL, "mapping is NULL");
	/* One snapshot: a peer rewriting the bytes cannot pass one check and fail another. */
	snapshot((const unsigned char *)mapping + offset, d, SHM_SIGNAL_DESC_SIZE);
	return validate_snapshot(d, len, offset, supported, err);
}

/* ------------------------------------------------------ create / attach */

/* Arguments common to create and attach: the offset's alignment (a fault, as for a
 * descriptor found there), then its range (an argument error). */
static int check_offset(uint64_t offset, struct shm_signal_error *err)
{
	if (offset % SHM_SIGNAL_DESC_ALIGN)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_OFFSET, "offset",
				offset > (uint64_t)INT64_MAX ? -1 : (int64_t)offset,
				"descriptor offset must be a multiple of 64", "multiple of 64", offset);
	if (offset > MAX_OFFSET)
		return set_err(err, SHM_SIGNAL_E_ARG, "offset", -1, "<= 2^63-1 - 2^40 - 192", NULL,
			       "offset %llu is too large: the descriptor and its liveness bytes (at "
			       "2^40 + offset + 64 and + 128) must lie below 2^63",
			       (unsigned long long)offset);
	return 0;
}

/* Spec 6.1 step 3: may the creator write over the bytes `d` (a descriptor's worth at
 * ch->offset, zero past the end of the file)?  It holds both records' locks now, so a
 * record that uses the lock is not live; one that does not, and reads attached, is. */
static int may_overwrite(const unsigned char *d, struct shm_signal_error *err)
{
	uint32_t magic, creator, loc, i;
	uint64_t offered, accepted;
	for (i = 0; i < SHM_SIGNAL_DESC_SIZE && d[i] == 0; i++) {
	}
	if (i == SHM_SIGNAL_DESC_SIZE)
		return 0;
	magic = shm_signal_load_le32(d);
	if (magic != SHM_SIGNAL_MAGIC)
		return fault_at(err, magic == SHM_SIGNAL_MAGIC_SWAPPED ? SHM_SIGNAL_FAULT_BYTE_SWAPPED
								       : SHM_SIGNAL_FAULT_BAD_MAGIC,
				"magic", 0,
				"the bytes at the offset are neither all zero nor a descriptor: "
				"refused, not overwritten", "0x58fa39df or all zero", magic);
	creator = shm_signal_load_le32(d + 12);
	offered = shm_signal_load_le64(d + 16);
	accepted = shm_signal_load_le64(d + 32);
	for (loc = 0; loc < 2; loc++) {
		uint64_t uses;
		if (shm_signal_load_le32(d + OFF_IRQ(loc) + 4) != SHM_SIGNAL_STATE_ATTACHED)
			continue;
		if (creator == loc)
			uses = offered;
		else if (creator == 1 - loc)
			uses = accepted;
		else /* no valid creator: nobody can say the record uses the lock */
			uses = 0;
		if (!(uses & SHM_SIGNAL_F_LIVENESS_LOCK))
			return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, state_field[loc],
				       (int64_t)OFF_IRQ(loc) + 4, "empty, closed, or a dead owner", "1",
				       "a peer is attached there without a liveness lock, so it counts as "
				       "live: refused, not overwritten");
	}
	return 0;
}

/* Spec 6.1 step 3: look at what is at ch->offset now (the file may be shorter). */
static int look_before_writing(shm_signal_chan *ch, struct shm_signal_error *err)
{
	unsigned char d[SHM_SIGNAL_DESC_SIZE];
	uint64_t len;
	int rc = shm_signal_file_size(ch->file, &len, err);
	if (rc)
		return rc;
	memset(d, 0, sizeof d);
	if (len > ch->offset) {
		struct shm_signal_map *m;
		unsigned n = len - ch->offset < SHM_SIGNAL_DESC_SIZE ? (unsigned)(len - ch->offset)
								  : SHM_SIGNAL_DESC_SIZE;
		rc = shm_signal_file_map(ch->file, ch->offset + n, &m, err);
		if (rc)
			return rc;
		snapshot(m->base + ch->offset, d, n);
		shm_signal_map_release(m);
	}
	return may_overwrite(d, err);
}

int shm_signal_create(shm_signal_chan **out, const char *path, uint32_t locality, uint64_t offset,
		      uint64_t size, uint64_t features, uint64_t required, uint32_t mode,
		      uint32_t flags, const uint8_t *instance_id, uint32_t pid,
		      struct shm_signal_error *err)
{
	shm_signal_chan *ch;
	uint8_t id[16];
	uint64_t supported = shm_signal_supported_features();
	uint64_t offered = (flags & SHM_SIGNAL_O_FEATURES) ? features : supported;
	uint32_t other;
	unsigned i;
	int rc;

	if (!out || !path)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "out and path are required");
	*out = NULL;
	rc = check_offset(offset, err);
	if (rc)
		return rc;
	if (size > (uint64_t)INT64_MAX)
		return set_err(err, SHM_SIGNAL_E_ARG, "size", -1, "<= 2^63-1", NULL,
			       "size %llu is larger than any file can be", (unsigned long long)size);
	/* The attacher opens the file read-write as the same user: without owner read and
	 * write it could not; bits beyond 0777 (setuid, sticky) make no sense here. */
	if (mode > 0777 || (mode & 0600) != 0600) {
		char a[16];
		snprintf(a, sizeof a, "0%o", (unsigned)mode);
		return set_err(err, SHM_SIGNAL_E_ARG, "mode", -1, "within 0777, including 0600", a,
			       "mode 0%o: must lie within 0777 and include owner read and write (0600)",
			       (unsigned)mode);
	}
	if (locality > 1)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_LOCALITY, "creator", 12,
				"creator must be 0 (north) or 1 (south)", "0 or 1", locality);
	if (required & ~offered)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_required", 24,
				"required features must be offered", "subset of offered", required);
	/* A creator offers only what it implements: an attacher may accept any offered bit. */
	if (offered & ~supported)
		return fault_at(err, SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE, "features_offered", 16,
				"offered features must be implemented here", "subset of supported",
				offered);
	if (size < offset + SHM_SIGNAL_DESC_SIZE)
		size = offset + SHM_SIGNAL_DESC_SIZE; /* size is the file's minimum length */
	if (flags & SHM_SIGNAL_O_INSTANCE_ID) {
		if (!instance_id)
			return set_err(err, SHM_SIGNAL_E_ARG, "instance_id", 40, NULL, NULL,
				       "SHM_SIGNAL_O_INSTANCE_ID needs instance_id");
		memcpy(id, instance_id, 16);
		for (i = 0; i < 16 && id[i] == 0; i++) {
		}
		if (i == 16)
			return fault_at(err, SHM_SIGNAL_FAULT_BAD_INSTANCE_ID, "instance_id", 40,
					"instance_id must not be all zero", "not all zero", 0);
	} else {
		do {
			if (random_bytes(id, sizeof id) != 0)
				return sys_err(err, "random source");
			for (i = 0; i < 16 && id[i] == 0; i++) {
			}
		} while (i == 16);
	}

	ch = chan_new();
	if (!ch)
		return set_err(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
	ch->offset = offset;
	ch->locality = locality;
	ch->remote = other = 1 - locality;
	ch->is_creator = 1;
	ch->supported = supported;
	ch->offered = offered;
	ch->required = required;
	memcpy(ch->instance_id, id, 16);
	/* spec 6.1 step 1: no symbolic link, a regular file */
	rc = shm_signal_file_open(&ch->file, path, 1, (flags & SHM_SIGNAL_O_EXIST_OK) != 0, mode, err);
	if (rc)
		return fail(ch, rc);
	/* step 2: both records' locks before anything is written, whatever the features:
	 * they keep two creators, or a creator and an attacher, off one descriptor.  North
	 * first, whatever our locality: two racing creators then cannot each take one lock
	 * and both give up; the first to north's lock wins. */
	rc = take_lock(ch, 0, err);
	if (!rc)
		rc = take_lock(ch, 1, err);
	/* step 3: write only over zeros or a descriptor none of whose records is live */
	if (!rc)
		rc = look_before_writing(ch, err);
	/* step 4: only then make the file long enough */
	if (!rc)
		rc = shm_signal_file_grow(ch->file, size, err);
	if (!rc)
		rc = shm_signal_file_map(ch->file, offset + SHM_SIGNAL_DESC_SIZE, &ch->map, err);
#if defined(_WIN32)
	/* everything that can fail happens before the first write */
	if (!rc && (offered & SHM_SIGNAL_F_WAKE_NAMED_EVENT))
		rc = open_events(ch, err);
#endif
	if (rc)
		return fail(ch, rc);
	ch->desc = ch->map->base + offset;

	/* step 5: magic = 0, fence, zero the rest */
	st32(ch->desc + 0, 0);
	atomic_thread_fence(memory_order_seq_cst);
	for (i = 4; i < SHM_SIGNAL_DESC_SIZE; i++)
		st8(ch->desc + i, 0);
	/* step 6 */
	st32(ch->desc + 4, SHM_SIGNAL_VERSION);
	st32(ch->desc + 8, SHM_SIGNAL_DESC_SIZE);
	st32(ch->desc + 12, locality);
	st64(ch->desc + 16, offered);
	st64(ch->desc + 24, required);
	st64(ch->desc + 32, 0);
	for (i = 0; i < 16; i++)
		st8(ch->desc + 40 + i, id[i]);
	st32(rec(ch, locality) + 8, (flags & SHM_SIGNAL_O_PID) ? pid : own_pid());
	st32(rec(ch, locality) + 4, SHM_SIGNAL_STATE_ATTACHED);
	ch->published = 1;
	/* step 7: the other record is the attacher's to take */
	drop_lock(ch, other);
	/* step 8 */
	atomic_thread_fence(memory_order_release);
	st32(ch->desc + 0, SHM_SIGNAL_MAGIC);
	*out = ch;
	return 0;
}

/* Snapshot and validate the descriptor (spec 6.4) into d; 1 = not there yet (retry).
 * A desc_size beyond the mapping gets a fresh mapping when the file has grown. */
static int snap_validate(shm_signal_chan *ch, unsigned char *d, uint64_t supported,
			 struct shm_signal_error *err)
{
	int rc;
	snapshot(ch->desc, d, SHM_SIGNAL_DESC_SIZE);
	rc = validate_snapshot(d, ch->map->len, ch->offset, supported, err);
	if (rc == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL) {
		uint64_t len;
		struct shm_signal_map *m;
		if (shm_signal_file_size(ch->file, &len, NULL) != 0 || len <= ch->map->len ||
		    shm_signal_file_map(ch->file, len, &m, NULL) != 0)
			return 1; /* perhaps still being sized: retry until the timeout */
		shm_signal_map_release(ch->map);
		ch->map = m;
		ch->desc = m->base + ch->offset;
		snapshot(ch->desc, d, SHM_SIGNAL_DESC_SIZE);
		rc = validate_snapshot(d, ch->map->len, ch->offset, supported, err);
		if (rc == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL)
			return 1;
	}
	if (rc == SHM_SIGNAL_FAULT_BAD_MAGIC && shm_signal_load_le32(d) == 0)
		return 1; /* not published yet */
	return rc;
}

/* One attach attempt (spec 6.3); 1 = not there yet (retry, err says why), else 0 or
 * an error. */
static int attach_once(shm_signal_chan *ch, const char *path, uint64_t supported, uint32_t flags,
		       uint32_t pid, struct shm_signal_error *err)
{
	unsigned char s1[SHM_SIGNAL_DESC_SIZE], s2[SHM_SIGNAL_DESC_SIZE];
	uint64_t len, offered;
	uint32_t creator, a, state;
	int rc = shm_signal_file_open(&ch->file, path, 0, 0, 0, err);
	if (rc == 1) {
		set_err(err, SHM_SIGNAL_E_TIMEOUT, "path", -1, NULL, NULL, "%s: no file to attach to", path);
		return 1;
	}
	if (rc)
		return rc;
	rc = shm_signal_file_size(ch->file, &len, err);
	if (rc)
		return rc;
	if (ch->offset > len || len - ch->offset < SHM_SIGNAL_DESC_SIZE) {
		/* empty or short: maybe still being sized by the creator */
		set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", (int64_t)ch->offset,
			"offset + 192", NULL, "the file (%llu bytes) ends before the descriptor does",
			(unsigned long long)len);
		return 1;
	}
	rc = shm_signal_file_map(ch->file, ch->offset + SHM_SIGNAL_DESC_SIZE, &ch->map, err);
	if (rc)
		return rc == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL ? 1 : rc;
	ch->desc = ch->map->base + ch->offset;
	/* step 1: S1, and the locality it implies */
	rc = snap_validate(ch, s1, supported, err);
	if (rc)
		return rc;
	creator = shm_signal_load_le32(s1 + 12);
	a = 1 - creator;
	/* step 2: the lock of record A, whatever LIVENESS_LOCK says */
	rc = take_lock(ch, a, err);
	if (rc)
		return rc;
	/* step 3: S2; from here on only S2 decides, and every store goes to an offset fixed
	 * by a in {0, 1} */
	rc = snap_validate(ch, s2, supported, err);
	if (rc)
		return rc;
	if (shm_signal_load_le32(s2 + 12) != creator) {
		set_err(err, SHM_SIGNAL_FAULT_BAD_LOCALITY, "creator", 12, "the same creator in both snapshots",
			NULL, "creator changed during the attach");
		return 1;
	}
	/* step 4: a live owner keeps its record */
	state = shm_signal_load_le32(s2 + OFF_IRQ(a) + 4);
	offered = shm_signal_load_le64(s2 + 16);
	if (state == SHM_SIGNAL_STATE_ATTACHED && !(offered & supported & SHM_SIGNAL_F_LIVENESS_LOCK))
		return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, state_field[a], (int64_t)OFF_IRQ(a) + 4,
			       "0 or 2", "1", "the locality is attached (no liveness lock to prove it dead)");
	ch->locality = a;
	ch->remote = creator;
	ch->supported = supported;
	ch->offered = offered;
	ch->features = offered & supported;
	ch->negotiated = 1;
	ch->peer_seen = 1; /* S2: the creator's record is not empty (6.4 rule 11) */
	memcpy(ch->instance_id, s2 + 40, 16);
	/* step 5: everything that can fail */
#if defined(_WIN32)
	if ((ch->features & SHM_SIGNAL_F_WAKE_NAMED_EVENT) && (rc = open_events(ch, err)) != 0)
		return rc;
#endif
	/* step 6 */
	st64(ch->desc + 32, ch->features);
	st32(rec(ch, a) + 8, (flags & SHM_SIGNAL_O_PID) ? pid : own_pid());
	atomic_thread_fence(memory_order_release);
	st32(rec(ch, a) + 4, SHM_SIGNAL_STATE_ATTACHED);
	ch->published = 1;
	atomic_thread_fence(memory_order_seq_cst);
	/* spec 7.5: wake the creator once, so one parked before the attach re-reads the
	 * negotiated features (and starts using WAITER_FLAG) */
	notify(ch, ch->remote);
	return 0;
}

int shm_signal_attach(shm_signal_chan **out, const char *path, uint64_t offset, uint64_t features,
		      uint32_t flags, uint32_t pid, double timeout_s, struct shm_signal_error *err)
{
	uint64_t supported = (flags & SHM_SIGNAL_O_FEATURES) ? features : shm_signal_supported_features();
	double deadline;
	struct shm_signal_error local;
	int rc;
	if (!err)
		err = &local; /* the last fault seen is the answer at the timeout */
	memset(err, 0, sizeof *err);
	if (!out || !path)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "out and path are required");
	*out = NULL;
	if (isnan(timeout_s))
		return set_err(err, SHM_SIGNAL_E_ARG, "timeout_s", -1, "a number of seconds", "nan",
			       "the timeout is not a number");
	rc = check_offset(offset, err);
	if (rc)
		return rc;
	/* < 0: no limit, as for every other timeout of this API */
	deadline = timeout_s < 0 ? (double)INFINITY : shm_signal_now_s() + timeout_s;
	for (;;) {
		shm_signal_chan *ch = chan_new();
		double now;
		if (!ch)
			return set_err(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
		ch->offset = offset;
		rc = attach_once(ch, path, supported, flags, pid, err);
		if (rc == 0) {
			*out = ch;
			return 0;
		}
		chan_free(ch);
		if (rc != 1)
			return rc;
		now = shm_signal_now_s();
		if (now >= deadline)
			return err->code; /* the last reason to retry: missing, short, unpublished */
		sleep_s(deadline - now < 0.005 ? deadline - now : 0.005);
	}
}

/* ------------------------------------------------------ the protocol (7) */

static int fired(const shm_signal_chan *ch)
{
	return atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)&ch->map->fired, memory_order_relaxed) != 0;
}

static int check_open(const shm_signal_chan *ch, struct shm_signal_error *err)
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

/* The creator learns the negotiated set when the attacher's state reads attached
 * (spec 6.2): state, acquire fence, features_accepted; checked against what it wrote.
 * 0, or BAD_FEATURES (the set is then not used, and looked at again next time). */
static int refresh_features(shm_signal_chan *ch, struct shm_signal_error *err)
{
	uint64_t acc;
	if (ch->negotiated || !ch->is_creator ||
	    ld32(rec(ch, ch->remote) + 4) != SHM_SIGNAL_STATE_ATTACHED)
		return 0;
	ch->peer_seen = 1;
	atomic_thread_fence(memory_order_acquire); /* pairs with the attacher's release (6.3) */
	acc = ld64(ch->desc + 32);
	if ((acc & ~ch->offered) || (ch->required & ~acc))
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_FEATURES, "features_accepted", 32,
				"the attacher accepted a feature that was not offered, or not one "
				"that is required",
				"required <= accepted <= offered", acc);
	ch->features = acc;
	ch->negotiated = 1;
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
				(int64_t)OFF_IRQ(ch->remote) + 4,
				"the remote's state is not one the spec defines", "0, 1 or 2", st);
	if (st == SHM_SIGNAL_STATE_EMPTY && ch->peer_seen)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, state_field[ch->remote],
				(int64_t)OFF_IRQ(ch->remote) + 4,
				"the remote's record reads empty after it was attached", "1 or 2", st);
	return 0;
}

/* Spec 7.1 against record `o` (the remote's, or for close the same). */
static int inject_into(shm_signal_chan *ch, uint32_t o)
{
	unsigned char *r = rec(ch, o);
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
			if (ld8(r + F_WAITING) == 0)
				return 0;
		}
		if (ch->negotiated && (ch->features & SHM_SIGNAL_F_NOTIFY_COUNT))
			st64(r + 16, ld64(r + 16) + 1); /* single writer: the remote */
		ch->stats.notifications++;
		notify(ch, o);
		return 1;
	}
	return 0;
}

int shm_signal_inject(shm_signal_chan *ch, int *notified, struct shm_signal_error *err)
{
	int rc = check_open(ch, err), n;
	if (notified)
		*notified = 0;
	if (rc)
		return rc;
	if (!ch->negotiated && (rc = refresh_features(ch, err)) != 0)
		return rc;
	rc = remote_state(ch, ld32(rec(ch, ch->remote) + 4), err);
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
	int rc = check_open(ch, err);
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
	int rc = check_open(ch, err);
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
	int rc = check_open(ch, err);
	if (rc)
		return rc;
	st8(rec(ch, ch->locality) + F_ENABLED, 0); /* no fence: a racing notification is harmless */
	return 0;
}

/* MAPPING_TOO_SMALL, BAD_STATE, PEER_CLOSED, PEER_DEAD, or 0.  `check_lock` allows
 * the system calls (file size, lock probe): once per liveness interval in a wait. */
static int peer_fault(shm_signal_chan *ch, int check_lock, struct shm_signal_error *err)
{
	uint32_t st;
	uint64_t len = 0;
	int rc;
	/* A file shrunk under the mapping (the guard answered or will answer its SIGBUS). */
	if (check_lock && shm_signal_file_size(ch->file, &len, NULL) == 0 && len < ch->map->len)
		return set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", -1, NULL, NULL,
			       "the file shrank under the mapping to %llu bytes (mapped: %llu)",
			       (unsigned long long)len, (unsigned long long)ch->map->len);
	st = ld32(rec(ch, ch->remote) + 4);
	if (st == SHM_SIGNAL_STATE_ATTACHED && check_lock && ch->negotiated &&
	    (ch->features & SHM_SIGNAL_F_LIVENESS_LOCK) &&
	    !shm_signal_file_lock_held(ch->file, lock_offset(ch, ch->remote))) {
		/* re-read: a peer that closed between the two loads is closed, not dead */
		st = ld32(rec(ch, ch->remote) + 4);
		if (st == SHM_SIGNAL_STATE_ATTACHED)
			return set_err(err, SHM_SIGNAL_FAULT_PEER_DEAD, state_field[ch->remote],
				       (int64_t)OFF_IRQ(ch->remote) + 4, "a held liveness lock", "1",
				       "the remote peer died without closing (its lock is free)");
	}
	rc = remote_state(ch, st, err);
	if (rc)
		return rc;
	if (st == SHM_SIGNAL_STATE_CLOSED)
		return set_err(err, SHM_SIGNAL_FAULT_PEER_CLOSED, state_field[ch->remote],
			       (int64_t)OFF_IRQ(ch->remote) + 4, NULL, "2", "the remote peer closed the channel");
	return 0;
}

int shm_signal_check_peer(shm_signal_chan *ch, struct shm_signal_error *err)
{
	int rc = check_open(ch, err);
	if (rc)
		return rc;
	if (!ch->negotiated && (rc = refresh_features(ch, err)) != 0)
		return rc;
	return peer_fault(ch, 1, err);
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
	if (ld64(rec(ch, ch->locality) + 16) != ch->late_count) {
		ch->late_armed = 0; /* the notification came */
	} else if (shm_signal_now_s() - ch->late_since >= LATE_GRACE_S) {
		ch->late_armed = 0;
		ch->stats.late++;
	}
}

int shm_signal_wait(shm_signal_chan *ch, double timeout_s, int *ready, struct shm_signal_error *err)
{
	unsigned char *r;
	double deadline, last_check = -1.0;
	int rc = check_open(ch, err);
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
	/* Every turn checks the deadline; nothing here waits for the remote beyond it. */
	for (;;) {
		uint32_t raw = ld_word_raw(r);
		uint64_t count;
		double now, slice;
		int check, timed_out;
		atomic_thread_fence(memory_order_acquire);
		if (ld8(r + F_DIRTY) == 1 || ld8(r + F_PENDING) == 1) {
			if (ready)
				*ready = 1;
			return 0;
		}
		if (!ch->negotiated && (rc = refresh_features(ch, err)) != 0)
			return rc;
		now = shm_signal_now_s();
		check = last_check < 0 || now - last_check >= ch->liveness_s;
		rc = peer_fault(ch, check, err);
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
			if (ld8(r + F_DIRTY) == 1 || ld8(r + F_PENDING) == 1) {
				/* it came while we were awake: not a late wake-up */
				st8(r + F_WAITING, 0);
				continue;
			}
		}
		count = ld64(r + 16);
		timed_out = park(ch, raw, slice);
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
	return ld32(rec(ch, ch->remote) + 4) == SHM_SIGNAL_STATE_ATTACHED;
}

int shm_signal_wait_for_peer(shm_signal_chan *ch, double timeout_s, int *attached,
			     struct shm_signal_error *err)
{
	double deadline;
	int rc = check_open(ch, err);
	if (attached)
		*attached = 0;
	if (rc)
		return rc;
	if (isnan(timeout_s))
		return set_err(err, SHM_SIGNAL_E_ARG, "timeout_s", -1, "a number of seconds (< 0: no limit)",
			       "nan", "the timeout is not a number");
	deadline = shm_signal_now_s() + timeout_s;
	for (;;) {
		uint32_t st = ld32(rec(ch, ch->remote) + 4);
		double now;
		rc = remote_state(ch, st, err);
		if (rc)
			return rc;
		if (st == SHM_SIGNAL_STATE_ATTACHED) {
			rc = refresh_features(ch, err);
			if (rc)
				return rc;
			if (attached)
				*attached = 1;
			return 0;
		}
		now = shm_signal_now_s();
		if (timeout_s >= 0 && now >= deadline)
			return 0;
		sleep_s(timeout_s >= 0 && deadline - now < 0.001 ? deadline - now : 0.001);
		rc = check_open(ch, err);
		if (rc)
			return rc;
	}
}

int shm_signal_features(shm_signal_chan *ch, uint64_t *features, int *negotiated,
			struct shm_signal_error *err)
{
	int rc = check_open(ch, err);
	if (features)
		*features = 0;
	if (negotiated)
		*negotiated = 0;
	if (rc)
		return rc;
	if (!ch->negotiated && (rc = refresh_features(ch, err)) != 0)
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
		st32(rec(ch, ch->locality) + 4, SHM_SIGNAL_STATE_CLOSED);
		atomic_thread_fence(memory_order_release);
		st8(rec(ch, ch->remote) + F_DIRTY, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!ch->negotiated)
			refresh_features(ch, NULL); /* wakes on what the attacher accepted, if valid */
		notify(ch, ch->remote);
	}
	ch->closed = 1;
	chan_free(ch);
}
