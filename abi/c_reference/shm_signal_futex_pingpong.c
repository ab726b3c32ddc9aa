/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_futex_pingpong.c - the floor for the ping-pong benchmark: two processes
 * bouncing a flag through raw futex calls on two 32-bit words of a file mapping, with
 * none of the protocol (no pending, no enabled, no fences beyond the kernel's).
 * Linux only.
 *
 * usage: shm_signal_futex_pingpong FILE ROUNDS [PARENT_CPU CHILD_CPU]
 * prints: rounds=N median_ns=X p99_ns=Y
 * With the CPUs, each process pins itself to its own: a parked round trip within one
 * CPU and across two can differ tenfold (waking an idle CPU, on a VM especially).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void fwait(_Atomic uint32_t *w)
{
	while (atomic_load(w) == 0)
		syscall(SYS_futex, (void *)w, FUTEX_WAIT, 0, NULL, NULL, 0);
	atomic_store(w, 0);
}

static void fwake(_Atomic uint32_t *w)
{
	atomic_store(w, 1);
	syscall(SYS_futex, (void *)w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void pin(const char *cpu)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(atoi(cpu), &one);
	if (sched_setaffinity(0, sizeof one, &one) != 0)
		perror("sched_setaffinity");
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long rounds, i;
	int fd, status;
	_Atomic uint32_t *w;
	uint64_t *ns;
	pid_t child;
	if ((argc != 3 && argc != 5) || (rounds = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: %s FILE ROUNDS [PARENT_CPU CHILD_CPU]\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) != 0)
		return perror(argv[1]), 1;
	/* the two words 64 bytes apart, like the two records' wait words */
	w = (_Atomic uint32_t *)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if ((void *)w == MAP_FAILED)
		return perror("mmap"), 1;
	ns = malloc(sizeof *ns * (size_t)rounds);
	if (!ns)
		return 1;
	child = fork();
	if (argc == 5)
		pin(child == 0 ? argv[4] : argv[3]);
	if (child == 0) {
		for (i = 0; i < rounds; i++) {
			fwait(&w[16]);
			fwake(&w[0]);
		}
		_exit(0);
	}
	for (i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns();
		fwake(&w[16]);
		fwait(&w[0]);
		ns[i] = now_ns() - t0;
	}
	waitpid(child, &status, 0);
	qsort(ns, (size_t)rounds, sizeof *ns, cmp);
	printf("rounds=%ld median_ns=%llu p99_ns=%llu\n", rounds, (unsigned long long)ns[rounds / 2],
	       (unsigned long long)ns[rounds * 99 / 100]);
	return 0;
}
