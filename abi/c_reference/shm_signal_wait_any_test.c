/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wait_any_test.c - one test program for one behaviour: a C user waits on
 * many channels at once with shm_signal_wait_any, against a peer in another process.
 * The same source runs natively (Linux: futex_waitv) and as a Windows program under
 * wine (WaitForMultipleObjects on the named events).
 *
 * usage: shm_signal_wait_any_test serve PATH N I1 I2 ...
 *        shm_signal_wait_any_test inject PATH N I1 I2 ...
 * `serve` creates N channels (offsets 0, 192, ...), enables them, checks that a wait
 * with nothing signalled times out, says "go" (an inject on channel 0, which the
 * peer waits for before it injects anything), then for each Ik waits (10 s at most) and prints
 * "ready Ik" when exactly that channel came, consumes it and acknowledges it with an
 * inject on the same channel; at the end it waits for the peers to close and prints
 * "closed N".  `inject` attaches to all N, waits for the go and, for each Ik, injects on channel Ik and
 * waits for the acknowledgement.  Exit 0 = pass; a failure says what on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm_signal_engine.h"
#include "shm_signal_test_closes.h"

#define MAXN SHM_SIGNAL_WAIT_ANY_MAX

static int fail(const char *what, int rc, const struct shm_signal_error *err)
{
	fprintf(stderr, "FAIL %s: rc=%d %s\n", what, rc, err ? err->message : "");
	return 1;
}

static int serve(const char *path, uint32_t n, int argc, char **argv)
{
	shm_signal_chan *ch[MAXN];
	struct shm_signal_error err;
	struct shm_signal_stats stats;
	uint32_t ready[MAXN], n_ready, i, closed = 0;
	int rc, k;
	for (i = 0; i < n; i++) {
		rc = shm_signal_create(&ch[i], path, SHM_SIGNAL_LOCALITY_NORTH, (uint64_t)i * SHM_SIGNAL_DESC_SIZE,
				       (uint64_t)n * SHM_SIGNAL_DESC_SIZE, 0, 0, 0600,
				       i ? SHM_SIGNAL_O_EXIST_OK : 0, NULL, 0, &err);
		if (rc)
			return fail("create", rc, &err);
		if ((rc = shm_signal_enable(ch[i], NULL, &err)) != 0)
			return fail("enable", rc, &err);
	}
	if ((rc = shm_signal_wait_any(ch, n, 0.05, ready, &n_ready, &err)) != 0 || n_ready != 0)
		return fail("a wait with nothing signalled did not time out", rc, &err);
	/* It parked on all of them at once: a handful of parks, not 50 polling sleeps
	 * (the peer attaching meanwhile wakes it once per channel at most). */
	shm_signal_get_stats(ch[0], &stats);
	if (stats.parks > 2 + n) {
		fprintf(stderr, "FAIL the 50 ms wait parked %llu times: it polls\n", (unsigned long long)stats.parks);
		return 1;
	}
	/* the peer injects only after this "go" on channel 0 */
	if ((rc = shm_signal_inject(ch[0], NULL, &err)) != 0)
		return fail("go", rc, &err);
	for (k = 0; k < argc; k++) {
		uint32_t want = (uint32_t)atoi(argv[k]), calls = 0;
		if ((rc = shm_signal_wait_any(ch, n, 10.0, ready, &n_ready, &err)) != 0)
			return fail("wait_any", rc, &err);
		if (n_ready != 1 || ready[0] != want) {
			fprintf(stderr, "FAIL expected channel %u alone, got %u ready (first %u)\n", want, n_ready,
				n_ready ? ready[0] : 0);
			return 1;
		}
		if ((rc = shm_signal_wakeup(ch[want], 0, &calls, NULL, &err)) != 0 || calls != 1)
			return fail("wakeup", rc, &err);
		printf("ready %u\n", want);
		fflush(stdout);
		if ((rc = shm_signal_inject(ch[want], NULL, &err)) != 0)
			return fail("acknowledge", rc, &err);
	}
	/* The peer closes every channel: each is reported, then its wait says PEER_CLOSED. */
	while (n > 0) {
		if ((rc = shm_signal_wait_any(ch, n, 10.0, ready, &n_ready, &err)) != 0 || n_ready == 0)
			return fail("waiting for the closes", rc, &err);
		if ((rc = close_a_closed_one(ch, &n, ready, n_ready, &closed, &err)) != 0)
			return fail("wait after a close", rc, &err);
	}
	printf("closed %u\n", closed);
	return 0;
}

static int inject(const char *path, uint32_t n, int argc, char **argv)
{
	shm_signal_chan *ch[MAXN];
	struct shm_signal_error err;
	uint32_t i;
	int rc, k;
	for (i = 0; i < n; i++) {
		rc = shm_signal_attach(&ch[i], path, (uint64_t)i * SHM_SIGNAL_DESC_SIZE, 0, 0, 0, 10.0, &err);
		if (rc)
			return fail("attach", rc, &err);
		if ((rc = shm_signal_enable(ch[i], NULL, &err)) != 0)
			return fail("enable", rc, &err);
	}
	if ((rc = shm_signal_wait(ch[0], 10.0, &k, &err)) != 0 || !k)
		return fail("no go from the server", rc, &err);
	shm_signal_wakeup(ch[0], 0, NULL, NULL, NULL);
	for (k = 0; k < argc; k++) {
		uint32_t at = (uint32_t)atoi(argv[k]);
		int ready = 0;
		if ((rc = shm_signal_inject(ch[at], NULL, &err)) != 0)
			return fail("inject", rc, &err);
		if ((rc = shm_signal_wait(ch[at], 10.0, &ready, &err)) != 0 || !ready)
			return fail("no acknowledgement", rc, &err);
		shm_signal_wakeup(ch[at], 0, NULL, NULL, NULL);
	}
	for (i = 0; i < n; i++)
		shm_signal_close(ch[i]);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t n;
	if (argc < 4 || (n = (uint32_t)atoi(argv[3])) == 0 || n > MAXN) {
		fprintf(stderr, "usage: %s serve|inject PATH N I1 I2 ... (1 <= N <= %u)\n", argv[0], MAXN);
		return 2;
	}
	if (!strcmp(argv[1], "serve"))
		return serve(argv[2], n, argc - 4, argv + 4);
	if (!strcmp(argv[1], "inject"))
		return inject(argv[2], n, argc - 4, argv + 4);
	fprintf(stderr, "unknown role %s\n", argv[1]);
	return 2;
}
