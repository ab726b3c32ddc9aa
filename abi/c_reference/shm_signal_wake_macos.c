/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wake_macos.c - the wake layer on macOS (docs/spec.md 8.1,
 * WAKE_ADDRESS): os_sync_wait_on_address / os_sync_wake_by_address_all (macOS
 * 14.4+), looked up at run time, with __ulock_wait / __ulock_wake as the fallback,
 * all on the record's 32-bit wait word (or a head's doorbell, spec 7.8), shared
 * between processes.  No objects to open or close.  Compiles to nothing on other
 * OSes; see shm_signal_wake.h.
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#if defined(__APPLE__)

#include <dlfcn.h>
#include <errno.h>

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

uint64_t shm_signal_wake_supported(void)
{
	return SHM_SIGNAL_F_WAKE_ADDRESS;
}

void shm_signal_wake_address(void *word)
{
	os_sync_wake_fn fn = apple_wake();
	if (fn)
		fn(word, 4, OS_SYNC_SHARED);
	else
		__ulock_wake(UL_COMPARE_AND_WAIT_SHARED | ULF_WAKE_ALL, word, 0);
}

int shm_signal_wake_park_address(void *word, uint32_t raw, double s)
{
	os_sync_wait_fn fn = apple_wait();
	if (s < 0 || s > MAX_PARK_S)
		s = MAX_PARK_S; /* "no limit": an hour, then the caller's loop parks again */
	if (fn) {
		if (fn(word, raw, 4, OS_SYNC_SHARED, OS_CLOCK_MACH_ABSOLUTE_TIME, (uint64_t)(s * 1e9)) < 0)
			return errno == ETIMEDOUT;
		return 0;
	}
	if (__ulock_wait(UL_COMPARE_AND_WAIT_SHARED, word, raw, (uint32_t)(s * 1e6) + 1) < 0)
		return errno == ETIMEDOUT;
	return 0;
}

#endif /* __APPLE__ */
