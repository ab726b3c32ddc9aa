/* SPDX-License-Identifier: MIT */
/*
 * shm_signal.c - the C reference engine of shm-signal ABI v1 (docs/spec.md 6-9).
 *
 * One file, three parts: the OS layer (file mapping, liveness lock, wake-up
 * channels, clocks) for POSIX and Windows; descriptor validation in the order of
 * spec 6.4; the protocol of spec 7 with the fences F0-F4 at exactly the points the
 * spec names.
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
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

#define DEFAULT_BUDGET 1024u
#define DEFAULT_LIVENESS_S 0.1
#define POLL_INTERVAL_S 0.001 /* the "no channel" mode's polling interval */

/* Offsets inside the descriptor (checked against shm_signal.h by its asserts). */
#define OFF_IRQ(l) (64u + 64u * (l))
#define F_ENABLED 0u
#define F_PENDING 1u
#define F_DIRTY 2u
#define F_WAITING 3u /* pad0: the owner's waiting flag when WAITER_FLAG is negotiated */

struct shm_signal_chan {
	unsigned char *base; /* the whole file, mapped */
	uint64_t map_len;
	unsigned char *desc; /* base + offset */
	uint64_t offset;
	uint32_t locality, remote;
	uint64_t supported; /* this side's feature set */
	uint64_t offered;   /* features_offered as read at create/attach */
	uint64_t features;  /* negotiated, valid when negotiated != 0 */
	int negotiated;
	int have_lock;
	int closed;
	uint32_t fired; /* set by the truncation guard (shm_signal_guard.c) */
	shm_signal_notifier notifier;
	void *notifier_ctx;
	uint32_t budget;
	double liveness_s;
	struct shm_signal_stats stats;
#if defined(_WIN32)
	HANDLE file, mapping;
	HANDLE events[2]; /* named auto-reset events, north and south; NULL if unused */
#else
	int fd;
#endif
};

/* ---------------------------------------------------------------- errors */

static int set_err(struct shm_signal_error *err, int code, const char *field, int64_t offset,
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

#if defined(_WIN32)
#define LAST_OS_ERROR() ((int)GetLastError())
#else
#define LAST_OS_ERROR() errno
#endif

static int sys_err(struct shm_signal_error *err, const char *what)
{
	int e = LAST_OS_ERROR();
	set_err(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "%s failed (os error %d)", what, e);
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
	ts.tv_sec = (long)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	/* No timeout, no kernel timer to arm and cancel: about 0.5 us per park. */
	if (syscall(SYS_futex, word, FUTEX_WAIT, raw, s < 0 ? NULL : (void *)&ts, NULL, 0) != 0)
		return errno == ETIMEDOUT;
	return 0; /* EAGAIN (word changed) and EINTR are normal returns */
#elif defined(__APPLE__)
	os_sync_wait_fn fn = apple_wait();
	if (s < 0)
		s = 3600.0; /* "no limit": an hour, then the caller's loop parks again */
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
			unsigned char b = ld8(ch->desc + 40 + i);
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
		DWORD ms = s < 0 ? INFINITE : (DWORD)(s * 1000.0 + 0.999);
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

static uint64_t lock_offset(const shm_signal_chan *ch, uint32_t loc)
{
	/* spec 9: beyond any mapping, so Windows' mandatory locks never block a read */
	return SHM_SIGNAL_LOCK_BASE + ch->offset + OFF_IRQ(loc);
}

/* Take the exclusive lock on record `loc`'s liveness byte: 0, 1 if held elsewhere. */
static int lock_take(shm_signal_chan *ch, uint32_t loc)
{
#if defined(_WIN32)
	OVERLAPPED ov;
	uint64_t off = lock_offset(ch, loc);
	memset(&ov, 0, sizeof ov);
	ov.Offset = (DWORD)(off & 0xffffffffu);
	ov.OffsetHigh = (DWORD)(off >> 32);
	return LockFileEx(ch->file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0,
			  &ov) ? 0 : 1;
#else
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)lock_offset(ch, loc);
	fl.l_len = 1;
#ifdef F_OFD_SETLK
	/* Open-file-description lock: conflicts with other descriptions even in this process. */
	return fcntl(ch->fd, F_OFD_SETLK, &fl) == 0 ? 0 : 1;
#else
	return fcntl(ch->fd, F_SETLK, &fl) == 0 ? 0 : 1;
#endif
#endif
}

static void lock_release(shm_signal_chan *ch, uint32_t loc)
{
#if defined(_WIN32)
	OVERLAPPED ov;
	uint64_t off = lock_offset(ch, loc);
	memset(&ov, 0, sizeof ov);
	ov.Offset = (DWORD)(off & 0xffffffffu);
	ov.OffsetHigh = (DWORD)(off >> 32);
	UnlockFileEx(ch->file, 0, 1, 0, &ov);
#else
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)lock_offset(ch, loc);
	fl.l_len = 1;
#ifdef F_OFD_SETLK
	fcntl(ch->fd, F_OFD_SETLK, &fl);
#else
	fcntl(ch->fd, F_SETLK, &fl);
#endif
#endif
}

/* Is record `loc`'s liveness lock held by someone?  1 held, 0 free. */
static int lock_held(shm_signal_chan *ch, uint32_t loc)
{
#if defined(_WIN32)
	if (lock_take(ch, loc) != 0)
		return 1;
	lock_release(ch, loc);
	return 0;
#else
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)lock_offset(ch, loc);
	fl.l_len = 1;
#ifdef F_OFD_GETLK
	if (fcntl(ch->fd, F_OFD_GETLK, &fl) != 0)
		return 1; /* cannot tell: never declare a peer dead on doubt */
#else
	if (fcntl(ch->fd, F_GETLK, &fl) != 0)
		return 1;
#endif
	return fl.l_type != F_UNLCK;
#endif
}

/* ------------------------------------------------------ file and mapping */

static void unmap(shm_signal_chan *ch)
{
#if defined(_WIN32)
	if (ch->base)
		UnmapViewOfFile(ch->base);
	if (ch->mapping)
		CloseHandle(ch->mapping);
	if (ch->events[0])
		CloseHandle(ch->events[0]);
	if (ch->events[1])
		CloseHandle(ch->events[1]);
	if (ch->file && ch->file != INVALID_HANDLE_VALUE)
		CloseHandle(ch->file); /* also drops the liveness lock */
#else
	if (ch->base) {
		shm_signal_unguard(ch->base);
		munmap(ch->base, (size_t)ch->map_len);
	}
	if (ch->fd >= 0)
		close(ch->fd); /* also drops the OFD lock */
#endif
	ch->base = NULL;
}

static shm_signal_chan *chan_new(void)
{
	shm_signal_chan *ch = (shm_signal_chan *)calloc(1, sizeof *ch);
	if (!ch)
		return NULL;
#if !defined(_WIN32)
	ch->fd = -1;
#endif
	ch->budget = DEFAULT_BUDGET;
	ch->liveness_s = DEFAULT_LIVENESS_S;
	return ch;
}

/* Open (or create) the file; 1 = missing (attach retries), else 0 or an error. */
static int file_open(shm_signal_chan *ch, const char *path, int create, int exist_ok,
		     uint32_t mode, struct shm_signal_error *err)
{
#if defined(_WIN32)
	DWORD disp = create ? (exist_ok ? OPEN_ALWAYS : CREATE_NEW) : OPEN_EXISTING;
	(void)mode;
	ch->file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE,
			       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, disp,
			       FILE_ATTRIBUTE_NORMAL, NULL);
	if (ch->file == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();
		ch->file = NULL;
		if (!create && (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND))
			return 1;
		if (create && e == ERROR_FILE_EXISTS)
			return set_err(err, SHM_SIGNAL_E_EXISTS, "path", -1, NULL, path,
				       "%s exists (pass exist_ok to reuse it)", path);
		return sys_err(err, "CreateFileA");
	}
#else
	int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | (exist_ok ? 0 : O_EXCL) : 0);
	ch->fd = open(path, flags, (mode_t)(mode ? mode : 0600));
	if (ch->fd < 0) {
		if (!create && errno == ENOENT)
			return 1;
		if (create && errno == EEXIST)
			return set_err(err, SHM_SIGNAL_E_EXISTS, "path", -1, NULL, path,
				       "%s exists (pass exist_ok to reuse it)", path);
		return sys_err(err, "open");
	}
#endif
	return 0;
}

static int file_size(shm_signal_chan *ch, uint64_t *len, struct shm_signal_error *err)
{
#if defined(_WIN32)
	LARGE_INTEGER sz;
	if (!GetFileSizeEx(ch->file, &sz))
		return sys_err(err, "GetFileSizeEx");
	*len = (uint64_t)sz.QuadPart;
#else
	struct stat st;
	if (fstat(ch->fd, &st) != 0)
		return sys_err(err, "fstat");
	*len = (uint64_t)st.st_size;
#endif
	return 0;
}

static int file_grow(shm_signal_chan *ch, uint64_t len, struct shm_signal_error *err)
{
	uint64_t cur;
	int rc = file_size(ch, &cur, err);
	if (rc || cur >= len)
		return rc;
#if defined(_WIN32)
	{
		LARGE_INTEGER pos;
		pos.QuadPart = (LONGLONG)len;
		if (!SetFilePointerEx(ch->file, pos, NULL, FILE_BEGIN) || !SetEndOfFile(ch->file))
			return sys_err(err, "SetEndOfFile");
	}
#else
	if (ftruncate(ch->fd, (off_t)len) != 0)
		return sys_err(err, "ftruncate");
#endif
	return 0;
}

static int map_file(shm_signal_chan *ch, uint64_t len, struct shm_signal_error *err)
{
	if (len == 0 || len > (uint64_t)SIZE_MAX)
		return set_err(err, SHM_SIGNAL_E_ARG, "mapping length", -1, NULL, NULL,
			       "cannot map %llu bytes", (unsigned long long)len);
#if defined(_WIN32)
	ch->mapping = CreateFileMappingW(ch->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	if (!ch->mapping)
		return sys_err(err, "CreateFileMappingW");
	ch->base = (unsigned char *)MapViewOfFile(ch->mapping, FILE_MAP_ALL_ACCESS, 0, 0, (SIZE_T)len);
	if (!ch->base)
		return sys_err(err, "MapViewOfFile");
#else
	void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, ch->fd, 0);
	if (p == MAP_FAILED)
		return sys_err(err, "mmap");
	ch->base = (unsigned char *)p;
	/* best effort: unguarded, a shrinking peer means SIGBUS */
	shm_signal_guard(p, len, &ch->fired);
#endif
	ch->map_len = len;
	ch->desc = ch->base + ch->offset;
	return 0;
}

/* ---------------------------------------------------- validation (6.4) */

static int fault_at(struct shm_signal_error *err, int code, const char *field, int64_t off,
		    const char *msg, const char *expected, unsigned long long actual)
{
	char a[48];
	snprintf(a, sizeof a, "0x%llx", actual);
	return set_err(err, code, field, off, expected, a, "%s", msg);
}

int shm_signal_validate(const void *mapping, uint64_t len, uint64_t offset, uint64_t supported,
			struct shm_signal_error *err)
{
	unsigned char d[SHM_SIGNAL_DESC_SIZE];
	const unsigned char *src = (const unsigned char *)mapping;
	uint32_t magic, version, size, creator, loc, i;
	uint64_t offered, required, accepted;
	uint32_t attacher_state;
	char field[40];

	if (offset % SHM_SIGNAL_DESC_ALIGN)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_OFFSET, "offset", (int64_t)offset,
				"descriptor offset is not a multiple of 64", "multiple of 64", offset);
	if (len < offset + SHM_SIGNAL_DESC_SIZE)
		return fault_at(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length",
				(int64_t)offset, "the mapping ends before the descriptor does",
				"offset + 192", len);
	/* One snapshot: a peer rewriting the bytes cannot pass one check and fail another. */
	for (i = 0; i < SHM_SIGNAL_DESC_SIZE; i++)
		d[i] = ld8(src + offset + i);

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
	if (len < offset + size)
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
		if (state > SHM_SIGNAL_STATE_CLOSED) {
			snprintf(field, sizeof field, "irq[%u].state", loc);
			return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, field, (int64_t)OFF_IRQ(loc) + 4,
					"state must be 0, 1 or 2", "0, 1 or 2", state);
		}
	}
	if (shm_signal_load_le32(d + OFF_IRQ(creator) + 4) == SHM_SIGNAL_STATE_EMPTY) {
		snprintf(field, sizeof field, "irq[%u].state", creator);
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_STATE, field, (int64_t)OFF_IRQ(creator) + 4,
				"the creator's record was never attached", "1 or 2", 0);
	}
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

/* ------------------------------------------------------ create / attach */

static int fail(shm_signal_chan *ch, int rc)
{
	if (ch) {
		unmap(ch);
		free(ch);
	}
	return rc;
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
	unsigned i;
	int rc;

	if (!out || !path)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "out and path are required");
	*out = NULL;
	if (offset % SHM_SIGNAL_DESC_ALIGN)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_OFFSET, "offset", (int64_t)offset,
				"descriptor offset must be a multiple of 64", "multiple of 64", offset);
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
	ch->remote = 1 - locality;
	ch->supported = supported;
	ch->offered = offered;
	rc = file_open(ch, path, 1, (flags & SHM_SIGNAL_O_EXIST_OK) != 0, mode, err);
	if (rc)
		return fail(ch, rc);
	rc = file_grow(ch, size, err);
	if (!rc) {
		uint64_t len;
		rc = file_size(ch, &len, err);
		if (!rc)
			rc = map_file(ch, len, err);
	}
	if (rc)
		return fail(ch, rc);
	if ((offered & SHM_SIGNAL_F_LIVENESS_LOCK) && lock_take(ch, locality) != 0)
		return fail(ch, set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, "irq state",
					(int64_t)OFF_IRQ(locality) + 4, NULL, NULL,
					"the locality's liveness lock is held by a live peer"));
	ch->have_lock = (offered & SHM_SIGNAL_F_LIVENESS_LOCK) != 0;

	/* spec 6.1: zero everything, fill, fence, magic last */
	st32(ch->desc + 0, 0);
	atomic_thread_fence(memory_order_seq_cst);
	for (i = 4; i < SHM_SIGNAL_DESC_SIZE; i++)
		st8(ch->desc + i, 0);
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
	atomic_thread_fence(memory_order_release);
	st32(ch->desc + 0, SHM_SIGNAL_MAGIC);
#if defined(_WIN32)
	if ((offered & SHM_SIGNAL_F_WAKE_NAMED_EVENT) && (rc = open_events(ch, err)) != 0)
		return fail(ch, rc);
#endif
	*out = ch;
	return 0;
}

/* One attach attempt; 1 = not there yet (retry), else 0 or an error. */
static int attach_once(shm_signal_chan *ch, const char *path, uint64_t supported, uint32_t flags,
		       uint32_t pid, struct shm_signal_error *err)
{
	uint64_t len, offered;
	uint32_t creator, a, state;
	int rc = file_open(ch, path, 0, 0, 0, err);
	if (rc)
		return rc;
	rc = file_size(ch, &len, err);
	if (rc)
		return rc;
	if (len < ch->offset + SHM_SIGNAL_DESC_SIZE)
	{
		set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", (int64_t)ch->offset,
			"offset + 192", NULL, "the mapping ends before the descriptor does");
		return 1; /* maybe still being sized by the creator: retry until the timeout */
	}
	rc = map_file(ch, len, err);
	if (rc)
		return rc;
	rc = shm_signal_validate(ch->base, len, ch->offset, supported, err);
	if (rc == SHM_SIGNAL_FAULT_BAD_MAGIC && ld32(ch->desc) == 0)
		return 1; /* not published yet */
	if (rc)
		return rc;
	creator = ld32(ch->desc + 12);
	if (creator > 1) /* rewritten since the snapshot: never index with it */
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_LOCALITY, "creator", 12,
				"creator changed during attach", "0 or 1", creator);
	a = 1 - creator;
	ch->locality = a;
	ch->remote = creator;
	ch->supported = supported;
	offered = ld64(ch->desc + 16);
	ch->offered = offered;
	state = ld32(rec(ch, a) + 4);
	/* spec 6.3 step 2: the record is free if empty/closed, or its lock can be taken */
	if (offered & supported & SHM_SIGNAL_F_LIVENESS_LOCK) {
		if (lock_take(ch, a) != 0)
			return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, a ? "irq[1].state" : "irq[0].state",
				       (int64_t)OFF_IRQ(a) + 4, NULL, NULL,
				       "the locality is held by a live peer (its lock is taken)");
		ch->have_lock = 1;
	} else if (state == SHM_SIGNAL_STATE_ATTACHED) {
		return set_err(err, SHM_SIGNAL_FAULT_LOCALITY_BUSY, a ? "irq[1].state" : "irq[0].state",
			       (int64_t)OFF_IRQ(a) + 4, "0 or 2", "1",
			       "the locality is attached (no liveness lock to prove it dead)");
	}
	ch->features = offered & supported;
	ch->negotiated = 1;
	st64(ch->desc + 32, ch->features);
	st32(rec(ch, a) + 8, (flags & SHM_SIGNAL_O_PID) ? pid : own_pid());
	atomic_thread_fence(memory_order_release);
	st32(rec(ch, a) + 4, SHM_SIGNAL_STATE_ATTACHED);
	atomic_thread_fence(memory_order_seq_cst);
#if defined(_WIN32)
	if ((ch->features & SHM_SIGNAL_F_WAKE_NAMED_EVENT) && (rc = open_events(ch, err)) != 0)
		return rc;
#endif
	/* spec 7.5: wake the creator once, so one parked before the attach re-reads the
	 * negotiated features (and starts using WAITER_FLAG) */
	notify(ch, ch->remote);
	return 0;
}

int shm_signal_attach(shm_signal_chan **out, const char *path, uint64_t offset, uint64_t features,
		      uint32_t flags, uint32_t pid, double timeout_s, struct shm_signal_error *err)
{
	uint64_t supported = (flags & SHM_SIGNAL_O_FEATURES) ? features : shm_signal_supported_features();
	double deadline = shm_signal_now_s() + (timeout_s > 0 ? timeout_s : 0);
	struct shm_signal_error local;
	if (!err)
		err = &local; /* the last fault seen is the answer at the timeout */
	memset(err, 0, sizeof *err);
	if (!out || !path)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "out and path are required");
	*out = NULL;
	if (offset % SHM_SIGNAL_DESC_ALIGN)
		return fault_at(err, SHM_SIGNAL_FAULT_BAD_OFFSET, "offset", (int64_t)offset,
				"descriptor offset is not a multiple of 64", "multiple of 64", offset);
	for (;;) {
		shm_signal_chan *ch = chan_new();
		int rc;
		if (!ch)
			return set_err(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
		ch->offset = offset;
		rc = attach_once(ch, path, supported, flags, pid, err);
		if (rc == 0) {
			*out = ch;
			return 0;
		}
		fail(ch, 0);
		if (rc != 1)
			return rc;
		if (shm_signal_now_s() >= deadline) {
			if (err->code > 0)
				return err->code; /* the last fault seen: too small or unpublished */
			return set_err(err, SHM_SIGNAL_E_TIMEOUT, "path", -1, NULL, NULL,
				       "%s: no file to attach to", path);
		}
		sleep_s(0.005);
	}
}

/* ------------------------------------------------------ the protocol (7) */

static int check_open(const shm_signal_chan *ch, struct shm_signal_error *err)
{
	if (!ch || ch->closed)
		return set_err(err, SHM_SIGNAL_E_ARG, NULL, -1, NULL, NULL, "channel is closed or NULL");
	/* Once the guard answered a fault here, the mapping is partly private: never
	 * go on as if the peer could see us (spec 9). */
	if (atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)&ch->fired, memory_order_relaxed))
		return set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", -1, NULL, NULL,
			       "the file shrank under the mapping (the truncation guard answered a fault)");
	return 0;
}

/* The creator learns the negotiated set when the attacher's state reads attached. */
static void refresh_features(shm_signal_chan *ch)
{
	if (ch->locality == ld32(ch->desc + 12) && ld32(rec(ch, ch->remote) + 4) == SHM_SIGNAL_STATE_ATTACHED) {
		atomic_thread_fence(memory_order_acquire);
		/* masked: an accepted bit we did not offer is never used */
		ch->features = ld64(ch->desc + 32) & ch->offered & ch->supported;
		ch->negotiated = 1;
	}
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
	if (rc)
		return rc;
	if (!ch->negotiated)
		refresh_features(ch);
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

/* PEER_CLOSED / PEER_DEAD, or 0.  `check_lock` allows the (syscall) lock probe. */
static int peer_fault(shm_signal_chan *ch, int check_lock, struct shm_signal_error *err)
{
	uint32_t st;
	uint64_t len = 0;
	/* A file shrunk under the mapping (the guard answered or will answer its SIGBUS):
	 * looked at with the lock, once per liveness interval, since it costs a call. */
	if (check_lock && file_size(ch, &len, NULL) == 0 && len < ch->map_len)
		return set_err(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", -1, NULL, NULL,
			       "the file shrank under the mapping to %llu bytes (mapped: %llu)",
			       (unsigned long long)len, (unsigned long long)ch->map_len);
	st = ld32(rec(ch, ch->remote) + 4);
	if (st == SHM_SIGNAL_STATE_CLOSED)
		return set_err(err, SHM_SIGNAL_FAULT_PEER_CLOSED, ch->remote ? "irq[1].state" : "irq[0].state",
			       (int64_t)OFF_IRQ(ch->remote) + 4, NULL, "2", "the remote peer closed the channel");
	if (st == SHM_SIGNAL_STATE_ATTACHED && check_lock && ch->negotiated &&
	    (ch->features & SHM_SIGNAL_F_LIVENESS_LOCK) && !lock_held(ch, ch->remote)) {
		/* re-read: a peer that closed between the two loads is closed, not dead */
		if (ld32(rec(ch, ch->remote) + 4) == SHM_SIGNAL_STATE_ATTACHED)
			return set_err(err, SHM_SIGNAL_FAULT_PEER_DEAD,
				       ch->remote ? "irq[1].state" : "irq[0].state",
				       (int64_t)OFF_IRQ(ch->remote) + 4, NULL, "1",
				       "the remote peer died without closing (its lock is free)");
		return peer_fault(ch, 0, err);
	}
	return 0;
}

int shm_signal_wait(shm_signal_chan *ch, double timeout_s, int *ready, struct shm_signal_error *err)
{
	unsigned char *r;
	double deadline, last_check = -1.0;
	int timed_out = 0, rc = check_open(ch, err);
	if (ready)
		*ready = 0;
	if (rc)
		return rc;
	r = rec(ch, ch->locality);
	deadline = timeout_s < 0 ? -1.0 : shm_signal_now_s() + timeout_s;
	for (;;) {
		uint32_t raw = ld_word_raw(r);
		double now, slice;
		atomic_thread_fence(memory_order_acquire);
		if (ld8(r + F_DIRTY) == 1 || ld8(r + F_PENDING) == 1) {
			/* A timed-out park that finds work while enabled is a lost wake-up. */
			if (timed_out && ld8(r + F_ENABLED) == 1 && ld8(r + F_PENDING) == 1)
				ch->stats.late++;
			if (ready)
				*ready = 1;
			return 0;
		}
		if (!ch->negotiated)
			refresh_features(ch);
		now = shm_signal_now_s();
		rc = peer_fault(ch, last_check < 0 || now - last_check >= ch->liveness_s, err);
		if (rc)
			return rc;
		if (last_check < 0 || now - last_check >= ch->liveness_s)
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
				timed_out = 0;
				continue;
			}
			{
				uint64_t count = ld64(r + 16);
				if (park(ch, raw, slice) && (ch->features & SHM_SIGNAL_F_NOTIFY_COUNT)) {
					/* Timed out with waiting still 1: work found now was signalled
					 * while we were parked, so its notification must come (the
					 * remote counts it before waking us); one that never comes is
					 * a lost wake-up.  Only on a timed-out park: costs nothing
					 * on the fast path. */
					double until = shm_signal_now_s() + 0.5; /* a preempted remote is slow */
					atomic_thread_fence(memory_order_seq_cst);
					if (ld8(r + F_ENABLED) == 1 && ld8(r + F_PENDING) == 1) {
						while (ld64(r + 16) == count && shm_signal_now_s() < until)
							;
						if (ld64(r + 16) == count)
							ch->stats.late++;
					}
				}
			}
			timed_out = 0; /* accounted for above */
			st8(r + F_WAITING, 0);
			continue;
		}
		timed_out = park(ch, raw, slice);
	}
}

int shm_signal_peer_attached(shm_signal_chan *ch)
{
	if (!ch || ch->closed)
		return 0;
	return ld32(rec(ch, ch->remote) + 4) == SHM_SIGNAL_STATE_ATTACHED;
}

int shm_signal_wait_for_peer(shm_signal_chan *ch, double timeout_s)
{
	double deadline = shm_signal_now_s() + timeout_s;
	while (!shm_signal_peer_attached(ch)) {
		if (!ch || ch->closed || (timeout_s >= 0 && shm_signal_now_s() >= deadline))
			return 0;
		sleep_s(0.001);
	}
	refresh_features(ch);
	return 1;
}

int shm_signal_features(shm_signal_chan *ch, uint64_t *features)
{
	if (!ch || ch->closed)
		return 0;
	if (!ch->negotiated)
		refresh_features(ch);
	if (features)
		*features = ch->negotiated ? ch->features : 0;
	return ch->negotiated;
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

void shm_signal_set_budget(shm_signal_chan *ch, uint32_t budget)
{
	if (ch)
		ch->budget = budget ? budget : DEFAULT_BUDGET;
}

void shm_signal_set_liveness_interval(shm_signal_chan *ch, double seconds)
{
	if (ch)
		ch->liveness_s = seconds > 0.0005 ? seconds : 0.0005;
}

void shm_signal_get_stats(const shm_signal_chan *ch, struct shm_signal_stats *out)
{
	if (ch && out)
		*out = ch->stats;
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
		 * left alone), so a remote parked in wait sees the closed state at once */
		st32(rec(ch, ch->locality) + 4, SHM_SIGNAL_STATE_CLOSED);
		atomic_thread_fence(memory_order_release);
		st8(rec(ch, ch->remote) + F_DIRTY, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!ch->negotiated)
			refresh_features(ch);
		notify(ch, ch->remote);
		if (ch->have_lock)
			lock_release(ch, ch->locality);
	}
	ch->closed = 1;
	unmap(ch);
	free(ch);
}
