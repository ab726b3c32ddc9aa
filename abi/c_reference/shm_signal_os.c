/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_os.c - the small OS services of the C engine that are not wake-ups
 * (those are shm_signal_wake*.c): sleeping, the process id, random bytes for the
 * instance_id, and the last OS error.  One half for Windows, one for POSIX.
 */
#include "shm_signal_internal.h"

#if defined(_WIN32)

#include <stdlib.h> /* rand_s */
#include <windows.h>

void shm_signal_sleep_s(double s)
{
	if (s <= 0)
		return;
	Sleep((DWORD)(s * 1000.0 + 0.999));
}

uint32_t shm_signal_own_pid(void)
{
	return (uint32_t)GetCurrentProcessId();
}

int shm_signal_random_bytes(uint8_t *out, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned int v;
		if (rand_s(&v) != 0)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int shm_signal_os_error(void)
{
	return (int)GetLastError();
}

int shm_signal_cpus(void)
{
	DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
	return n > 0 ? (int)n : 1;
}

#else /* POSIX */

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

void shm_signal_sleep_s(double s)
{
	struct timespec ts;
	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

uint32_t shm_signal_own_pid(void)
{
	return (uint32_t)getpid();
}

int shm_signal_random_bytes(uint8_t *out, size_t n)
{
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
}

int shm_signal_os_error(void)
{
	return errno;
}

int shm_signal_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

#endif
