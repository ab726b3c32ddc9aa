/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wait_any_bench.c - round trips through shm_signal_wait_any over N
 * channels of one file, against one channel's shm_signal_wait, in C: what the
 * many-channel wait costs without an interpreter (benchmarks/channels_c.py runs it).
 *
 * usage: shm_signal_wait_any_bench any|single PATH N ROUNDS WARMUP [AMONG]
 * The server (this process) creates N channels as north at offsets 0, 192, ... (the
 * head, with GROUP_DOORBELL, first) and forks a pinger that attaches to all of them.
 * The pinger picks a channel at random among the first AMONG (default N), injects,
 * waits on that channel for the answer and consumes it, WARMUP + ROUNDS times,
 * timing each round trip.  The server answers: `any` waits on all N channels with
 * shm_signal_wait_any and answers every ready one; `single` (N must be 1) waits on
 * its one channel with shm_signal_wait.  Both park between messages (no spin).  On
 * Linux the server runs on the first CPU of its affinity and the pinger on the
 * second, when there are two.  The pinger prints "ok median_ns=X p99_ns=Y".
 * Exit 0, or 1 with what failed on stderr.
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sched.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

#include "shm_signal_engine.h"

#define DESC SHM_SIGNAL_DESC_SIZE

static int die(const char *what, int rc, const struct shm_signal_error *err)
{
	fprintf(stderr, "FAIL %s: rc=%d %s\n", what, rc, err ? err->message : "");
	exit(1);
}

/* Pin to the `k`-th CPU (0 or 1) of this process's affinity, if it has two. */
static void pin(int k)
{
#if defined(__linux__)
	cpu_set_t all, one;
	int cpu, seen = 0;
	if (sched_getaffinity(0, sizeof all, &all) != 0 || CPU_COUNT(&all) < 2)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all) || seen++ != k)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof one, &one);
		return;
	}
#else
	(void)k;
#endif
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The pinger: attach to all n, then time rounds; prints the median and p99. */
static int pinger(const char *path, uint32_t n, long rounds, long warmup, uint32_t among)
{
	struct shm_signal_error err;
	shm_signal_chan **ch = calloc(n, sizeof *ch);
	double *t = calloc((size_t)rounds, sizeof *t);
	uint64_t seed = 20240607;
	uint32_t i, calls;
	long r;
	int rc, ready, more;
	if (!ch || !t)
		die("out of memory", 0, NULL);
	pin(1);
	for (i = 0; i < n; i++) {
		rc = shm_signal_attach(&ch[i], path, (uint64_t)i * DESC, 0, 0, 0, 10.0, &err);
		if (rc)
			die("attach", rc, &err);
		shm_signal_set_spin(ch[i], 0.0, &err); /* parked round trips: no spin */
		if ((rc = shm_signal_enable(ch[i], &calls, &err)) != 0)
			die("enable", rc, &err);
	}
	for (r = 0; r < warmup + rounds; r++) {
		double t0;
		seed = seed * 6364136223846793005u + 1442695040888963407u; /* an LCG: same picks every run */
		i = (uint32_t)((seed >> 33) % among);
		t0 = shm_signal_now_s();
		if ((rc = shm_signal_inject(ch[i], NULL, &err)) != 0)
			die("inject", rc, &err);
		do {
			if ((rc = shm_signal_wait(ch[i], 10.0, &ready, &err)) != 0 || !ready)
				die("no answer in 10 s", rc, &err);
			if ((rc = shm_signal_wakeup(ch[i], 0, &calls, &more, &err)) != 0)
				die("wakeup", rc, &err);
		} while (calls == 0);
		if (r >= warmup)
			t[r - warmup] = shm_signal_now_s() - t0;
	}
	qsort(t, (size_t)rounds, sizeof *t, cmp);
	printf("ok median_ns=%.0f p99_ns=%.0f\n", t[rounds / 2] * 1e9, t[(rounds * 99) / 100] * 1e9);
	fflush(stdout);
	for (i = 0; i < n; i++)
		shm_signal_close(ch[i]);
	return 0;
}

/* Consume and answer channel i's signal. */
static long answer(shm_signal_chan *ch)
{
	struct shm_signal_error err;
	uint32_t calls;
	int more, rc = shm_signal_wakeup(ch, 0, &calls, &more, &err);
	if (rc)
		die("server wakeup", rc, &err);
	if (calls && (rc = shm_signal_inject(ch, NULL, &err)) != 0)
		die("server inject", rc, &err);
	return (long)calls;
}

int main(int argc, char **argv)
{
	struct shm_signal_error err;
	shm_signal_chan **ch;
	uint32_t *ready, n_ready, n, i, among, calls;
	long rounds, warmup, served = 0;
	int rc, any, status = 0;
	pid_t pid;
	if (argc < 6 || (strcmp(argv[1], "any") && strcmp(argv[1], "single"))) {
		fprintf(stderr, "usage: %s any|single PATH N ROUNDS WARMUP [AMONG]\n", argv[0]);
		return 1;
	}
	any = !strcmp(argv[1], "any");
	n = (uint32_t)strtoul(argv[3], NULL, 10);
	rounds = strtol(argv[4], NULL, 10);
	warmup = strtol(argv[5], NULL, 10);
	among = argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 10) : n;
	if (n < 1 || rounds < 1 || warmup < 0 || among < 1 || among > n || (!any && n != 1)) {
		fprintf(stderr, "bad arguments\n");
		return 1;
	}
	ch = calloc(n, sizeof *ch);
	ready = calloc(n, sizeof *ready);
	if (!ch || !ready)
		die("out of memory", 0, NULL);
	unlink(argv[2]);
	for (i = 0; i < n; i++) {
		rc = shm_signal_create(&ch[i], argv[2], 0, (uint64_t)i * DESC, (uint64_t)n * DESC, 0, 0, 0600,
				       i ? SHM_SIGNAL_O_EXIST_OK : 0, NULL, 0, &err);
		if (rc)
			die("create", rc, &err);
		shm_signal_set_liveness_interval(ch[i], 60.0, &err); /* only messages end a park */
		shm_signal_set_spin(ch[i], 0.0, &err);                /* parked round trips: no spin */
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", 0, NULL);
	if (pid == 0)
		_exit(pinger(argv[2], n, rounds, warmup, among));
	pin(0);
	for (i = 0; i < n; i++) {
		int attached;
		if ((rc = shm_signal_wait_for_peer(ch[i], 10.0, &attached, &err)) != 0 || !attached)
			die("the pinger did not attach", rc, &err);
		if ((rc = shm_signal_enable(ch[i], &calls, &err)) != 0)
			die("enable", rc, &err);
		if (calls && (rc = shm_signal_inject(ch[i], NULL, &err)) != 0) /* a ping came first */
			die("server inject", rc, &err);
		served += (long)calls;
	}
	while (served < warmup + rounds) {
		if (any) {
			if ((rc = shm_signal_wait_any(ch, n, 10.0, ready, &n_ready, &err)) != 0)
				die("wait_any", rc, &err);
		} else {
			int r;
			if ((rc = shm_signal_wait(ch[0], 10.0, &r, &err)) != 0)
				die("wait", rc, &err);
			n_ready = (uint32_t)r;
			ready[0] = 0;
		}
		if (n_ready == 0)
			die("no ping in 10 s", 0, NULL);
		for (i = 0; i < n_ready; i++)
			served += answer(ch[ready[i]]);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("the pinger failed", status, NULL);
	for (i = 0; i < n; i++)
		shm_signal_close(ch[i]);
	unlink(argv[2]);
	return 0;
}
