/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_doorbell_test.c - one test program for one behaviour: shm_signal_wait_any
 * on channels that negotiated GROUP_DOORBELL parks on the file's doorbell (spec 7.8),
 * whatever their number, and a peer process's inject, close or attach on any of them
 * wakes it; with one channel whose peer declined the feature (a mixed set) it waits
 * on the channels' words as before.
 *
 * usage: shm_signal_doorbell_test serve|inject PATH N [plain=K] [t=SECONDS] I1 I2 ...
 * `serve` creates N channels as north (offsets 0, 192, ...; the head first), sets
 * their liveness interval to a minute (so only a wake-up can end a park early), waits
 * for the peer to attach all of them, checks the negotiated sets (GROUP_DOORBELL on
 * all but channel K) and that an idle wait of 0.2 s parks at most 3 times (a poll
 * would be 200), says "go" (an inject on channel 0), then for each Ik waits (at most
 * t seconds, default 10) and prints "ready Ik" when exactly that channel came,
 * consumes it and acknowledges it with an inject; at the end it waits for every close
 * and prints "closed N".  `inject` attaches to all N (channel K without
 * GROUP_DOORBELL), waits for the go and, for each Ik: waits until the server's waiting
 * byte on channel Ik says where it parks (2: the doorbell; 1 in a mixed set) and (on
 * Linux, by /proc) the server sleeps, injects
 * and checks that the head's north doorbell (file offset 88) moved by exactly 1 (0 in
 * a mixed set), then waits for the acknowledgement; then, the server asleep again,
 * closes every channel, each close but the head's (through which it reads) moving
 * the doorbell by 1 as well.  A failed check of the peer's is reported at the end,
 * so that the server shows whether its wait still wakes.
 * Exit 0 = pass, 3 = no GROUP_DOORBELL on this OS; a failure says what on stderr.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm_signal_engine.h"
#include "shm_signal_test_closes.h"

#define F_DOORBELL SHM_SIGNAL_F_GROUP_DOORBELL
#define SERVER_PAD0 (64 + 3) /* the server's (north's) waiting byte in a descriptor */
#define HEAD_BELL 88         /* north's doorbell in the head */

static double t = 10.0;
static long plain = -1; /* the channel whose peer declines GROUP_DOORBELL */

static int fail(const char *what, int rc, const struct shm_signal_error *err)
{
	fprintf(stderr, "FAIL %s: rc=%d %s\n", what, rc, err ? err->message : "");
	return 1;
}

static uint8_t desc_byte(const shm_signal_chan *ch, unsigned at)
{
	uint8_t d[SHM_SIGNAL_DESC_SIZE];
	shm_signal_descriptor_bytes(ch, d);
	return d[at];
}

static uint32_t head_bell(const shm_signal_chan *head)
{
	uint8_t d[SHM_SIGNAL_DESC_SIZE];
	shm_signal_descriptor_bytes(head, d);
	return shm_signal_load_le32(d + HEAD_BELL);
}

/* Until the server (the creator of `head`: its pid is in the descriptor) sleeps in the
 * kernel, having said where in its waiting byte: only then does an inject or close
 * test the wake-up rather than the server's last look (Linux: /proc; elsewhere the
 * waiting byte alone).  0, or 1 at the deadline. */
static int server_parked(const shm_signal_chan *head, const shm_signal_chan *at, uint8_t where,
			 double deadline)
{
	while (desc_byte(at, SERVER_PAD0) != where)
		if (shm_signal_now_s() > deadline)
			return 1;
#if defined(__linux__)
	{
		uint8_t d[SHM_SIGNAL_DESC_SIZE];
		char path[64], buf[512], *state;
		shm_signal_descriptor_bytes(head, d);
		snprintf(path, sizeof path, "/proc/%u/stat", (unsigned)shm_signal_load_le32(d + 64 + 8));
		for (;;) {
			FILE *f = fopen(path, "r");
			size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
			if (f)
				fclose(f);
			buf[len] = 0;
			state = strrchr(buf, ')'); /* "pid (comm) S ..." */
			if (state && state[1] == ' ' && state[2] == 'S')
				return 0;
			if (shm_signal_now_s() > deadline)
				return 1;
		}
	}
#else
	(void)head;
	return 0;
#endif
}

/* GROUP_DOORBELL negotiated on channel i exactly when it is not the plain one. */
static int check_features(shm_signal_chan *ch, uint32_t i)
{
	uint64_t f = 0;
	int negotiated = 0, rc;
	struct shm_signal_error err;
	if ((rc = shm_signal_features(ch, &f, &negotiated, &err)) != 0 || !negotiated)
		return fail("features", rc, &err);
	if (!(f & F_DOORBELL) != ((long)i == plain)) {
		fprintf(stderr, "FAIL channel %u negotiated 0x%llx\n", i, (unsigned long long)f);
		return 1;
	}
	if ((shm_signal_doorbell_word(ch) != NULL) != ((f & F_DOORBELL) != 0)) {
		fprintf(stderr, "FAIL channel %u: doorbell word %p with features 0x%llx\n", i,
			shm_signal_doorbell_word(ch), (unsigned long long)f);
		return 1;
	}
	return 0;
}

/* shm_signal_wait_any for at most t seconds, which must end by a wake-up: one that
 * runs into its timeout finds work in its last look, but its wake-up was lost.  Once
 * it returns, no waiting byte may still say parked (spec 7.8 step 6): a remote would
 * ring and wake for every later inject. */
static int woken(shm_signal_chan **ch, uint32_t n, uint32_t *ready, uint32_t *n_ready, const char *what)
{
	struct shm_signal_error err;
	double t0 = shm_signal_now_s();
	uint32_t i;
	int rc = shm_signal_wait_any(ch, n, t, ready, n_ready, &err);
	if (rc)
		return fail(what, rc, &err);
	if (shm_signal_now_s() - t0 >= t) {
		fprintf(stderr, "FAIL %s: no wake-up in %g s (%u ready at the timeout)\n", what, t, *n_ready);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (desc_byte(ch[i], SERVER_PAD0) != 0) {
			fprintf(stderr, "FAIL %s: the waiting byte of channel %u is %u after the wait\n", what, i,
				desc_byte(ch[i], SERVER_PAD0));
			return 1;
		}
	return 0;
}

static int serve(const char *path, uint32_t n, int argc, char **argv)
{
	shm_signal_chan **ch = calloc(n, sizeof *ch);
	uint32_t *ready = calloc(n, sizeof *ready), n_ready, i, closed = 0;
	struct shm_signal_error err;
	struct shm_signal_stats before, after;
	int rc, k, attached;
	if (!ch || !ready)
		return fail("out of memory", 0, NULL);
	for (i = 0; i < n; i++) {
		rc = shm_signal_create(&ch[i], path, SHM_SIGNAL_LOCALITY_NORTH, (uint64_t)i * SHM_SIGNAL_DESC_SIZE,
				       (uint64_t)n * SHM_SIGNAL_DESC_SIZE, 0, 0, 0600,
				       i ? SHM_SIGNAL_O_EXIST_OK : 0, NULL, 0, &err);
		if (rc)
			return fail("create", rc, &err);
		if ((rc = shm_signal_set_liveness_interval(ch[i], 60.0, &err)) != 0)
			return fail("liveness interval", rc, &err);
		if ((rc = shm_signal_enable(ch[i], NULL, &err)) != 0)
			return fail("enable", rc, &err);
	}
	for (i = 0; i < n; i++) {
		if ((rc = shm_signal_wait_for_peer(ch[i], t, &attached, &err)) != 0 || !attached)
			return fail("the peer did not attach", rc, &err);
		if (check_features(ch[i], i))
			return 1;
		/* one doorbell for the file, north's in the head (the channels share the
		 * mapping of the file made when the head was created at its full size) */
		if (shm_signal_doorbell_word(ch[i]) &&
		    shm_signal_doorbell_word(ch[i]) != (char *)shm_signal_wait_word(ch[0]) + 24)
			return fail("a doorbell word that is not the head's", 0, NULL);
	}
	shm_signal_get_stats(ch[0], &before);
	if ((rc = shm_signal_wait_any(ch, n, 0.2, ready, &n_ready, &err)) != 0 || n_ready != 0)
		return fail("a wait with nothing signalled did not time out", rc, &err);
	shm_signal_get_stats(ch[0], &after);
	/* parked, not polling (1 park; 2 if the last attach's ring came late) */
	if (plain < 0 && after.parks - before.parks > 3) {
		fprintf(stderr, "FAIL the 0.2 s wait parked %llu times: it polls\n",
			(unsigned long long)(after.parks - before.parks));
		return 1;
	}
	if ((rc = shm_signal_inject(ch[0], NULL, &err)) != 0)
		return fail("go", rc, &err);
	for (k = 0; k < argc; k++) {
		uint32_t want = (uint32_t)atoi(argv[k]), calls = 0;
		if (woken(ch, n, ready, &n_ready, "wait_any"))
			return 1;
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
	/* The peer closes every channel: each is reported (its close rang), then its wait
	 * says PEER_CLOSED. */
	while (n > 0) {
		if (woken(ch, n, ready, &n_ready, "waiting for the closes"))
			return 1;
		if ((rc = close_a_closed_one(ch, &n, ready, n_ready, &closed, &err)) != 0)
			return fail("wait after a close", rc, &err);
	}
	printf("closed %u\n", closed);
	free(ch);
	free(ready);
	return 0;
}

static int inject(const char *path, uint32_t n, int argc, char **argv)
{
	shm_signal_chan **ch = calloc(n, sizeof *ch);
	struct shm_signal_error err;
	uint64_t all = shm_signal_supported_features();
	uint32_t i;
	int rc, k, bad = 0; /* a wrong doorbell or waiting byte: go on, so the server shows
			      * whether its wait still wakes */
	if (!ch)
		return fail("out of memory", 0, NULL);
	for (i = 0; i < n; i++) {
		/* the head first: a channel attached before the head is published gets no
		 * doorbell (6.3 step 4) */
		rc = shm_signal_attach(&ch[i], path, (uint64_t)i * SHM_SIGNAL_DESC_SIZE,
				       (long)i == plain ? all & ~F_DOORBELL : all, SHM_SIGNAL_O_FEATURES, 0, t,
				       &err);
		if (rc)
			return fail("attach", rc, &err);
		if (check_features(ch[i], i))
			return 1;
		if ((rc = shm_signal_enable(ch[i], NULL, &err)) != 0)
			return fail("enable", rc, &err);
	}
	if ((rc = shm_signal_wait(ch[0], t, &k, &err)) != 0 || !k)
		return fail("no go from the server", rc, &err);
	shm_signal_wakeup(ch[0], 0, NULL, NULL, NULL);
	for (k = 0; k < argc; k++) {
		uint32_t at = (uint32_t)atoi(argv[k]), rung;
		uint8_t where = plain >= 0 ? 1 : 2;
		double deadline = shm_signal_now_s() + t;
		int ready = 0;
		if (server_parked(ch[0], ch[at], where, deadline)) {
			fprintf(stderr, "FAIL the server's waiting byte on channel %u is %u, not %u, or it does not "
				"sleep\n", at, desc_byte(ch[at], SERVER_PAD0), where);
			bad = 1;
		}
		rung = head_bell(ch[0]);
		if ((rc = shm_signal_inject(ch[at], NULL, &err)) != 0)
			return fail("inject", rc, &err);
		rung = head_bell(ch[0]) - rung;
		if (rung != (where == 2 ? 1u : 0u)) {
			fprintf(stderr, "FAIL the inject on channel %u moved the doorbell by %u\n", at, rung);
			bad = 1;
		}
		if ((rc = shm_signal_wait(ch[at], t, &ready, &err)) != 0 || !ready)
			return fail("no acknowledgement", rc, &err);
		shm_signal_wakeup(ch[at], 0, NULL, NULL, NULL);
	}
	/* each close rings the server's doorbell (the head's channel goes last: the bell
	 * is read through it); the first finds the server asleep */
	for (i = n; i-- > 0;) {
		uint32_t rung = head_bell(ch[0]);
		if (i == n - 1 && server_parked(ch[0], ch[i], plain >= 0 ? 1 : 2, shm_signal_now_s() + t)) {
			fprintf(stderr, "FAIL the server does not sleep before the closes\n");
			bad = 1;
		}
		shm_signal_close(ch[i]);
		if (i > 0 && head_bell(ch[0]) - rung != ((long)i == plain ? 0u : 1u)) {
			fprintf(stderr, "FAIL the close of channel %u moved the doorbell by %u\n", i,
				head_bell(ch[0]) - rung);
			bad = 1;
		}
	}
	free(ch);
	return bad;
}

int main(int argc, char **argv)
{
	uint32_t n;
	int first = 4;
	if (argc < 4 || (n = (uint32_t)atoi(argv[3])) == 0) {
		fprintf(stderr, "usage: %s serve|inject PATH N [plain=K] [t=SECONDS] I1 I2 ...\n", argv[0]);
		return 2;
	}
	for (; first < argc && strchr(argv[first], '='); first++) {
		if (!strncmp(argv[first], "plain=", 6))
			plain = atol(argv[first] + 6);
		else if (!strncmp(argv[first], "t=", 2))
			t = atof(argv[first] + 2);
		else
			return fprintf(stderr, "unknown option %s\n", argv[first]), 2;
	}
	if (!(shm_signal_supported_features() & F_DOORBELL)) {
		printf("no GROUP_DOORBELL on this OS\n");
		return 3;
	}
	if (!strcmp(argv[1], "serve"))
		return serve(argv[2], n, argc - first, argv + first);
	if (!strcmp(argv[1], "inject"))
		return inject(argv[2], n, argc - first, argv + first);
	fprintf(stderr, "unknown role %s\n", argv[1]);
	return 2;
}
