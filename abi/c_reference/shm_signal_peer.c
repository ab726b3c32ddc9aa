/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_peer.c - the C reference peer: the line protocol of docs/spec.md
 * section 13 on stdin/stdout, driving the C engine (shm_signal_engine.h).
 *
 * One command per line; exactly one reply line per command: "ok [key=value...]" or
 * "err CODE NAME message".  CODE is a fault code (1-18) or a protocol code (100+).
 * Exit status: 0 after quit or end of input, 2 for a bad command line.
 *
 * Over 600 lines on purpose: it is a program, not a part of the engine, and a peer
 * author reads it next to section 13 as one file (one small function per command;
 * the message rings' commands, 13.2 and 13.6, at the end).
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(_WIN32)
#include <windows.h>
#endif

#include "shm_signal_engine.h"

#define MAX_LINE 4096
#define MAX_TOKENS 16
#define MAX_PING 10000000ul

/* Protocol codes (docs/spec.md 13.3); fault codes 1-18 pass through. */
#define P_USAGE 100
#define P_NO_CHANNEL 101
#define P_SYSTEM 102
#define P_EXISTS 103
#define P_TIMEOUT 104
#define P_NOTIFIER 105

static shm_signal_chan *chan;
static uint64_t calls_seen; /* notifier calls, all wakeups */

static int count_call(void *ctx)
{
	(void)ctx;
	calls_seen++;
	return 0;
}

static void reply_ok(const char *fmt, ...)
{
	va_list ap;
	fputs("ok", stdout);
	if (fmt && *fmt) {
		fputc(' ', stdout);
		va_start(ap, fmt);
		vfprintf(stdout, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stdout);
	fflush(stdout);
}

static void reply_err(int code, const char *name, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	char *p;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (p = msg; *p; p++) /* one line, whatever the message holds */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	printf("err %d %s %s\n", code, name, msg);
	fflush(stdout);
}

/* Report an engine return code (fault or E_*) as one err line. */
static void reply_engine(int rc, const struct shm_signal_error *e)
{
	int code;
	const char *name;
	switch (rc) {
	case SHM_SIGNAL_E_ARG: code = P_USAGE; name = "USAGE"; break;
	case SHM_SIGNAL_E_SYSTEM: code = P_SYSTEM; name = "SYSTEM"; break;
	case SHM_SIGNAL_E_NOTIFIER: code = P_NOTIFIER; name = "NOTIFIER"; break;
	case SHM_SIGNAL_E_EXISTS: code = P_EXISTS; name = "EXISTS"; break;
	case SHM_SIGNAL_E_TIMEOUT: code = P_TIMEOUT; name = "TIMEOUT"; break;
	default: code = rc; name = shm_signal_fault_name(rc); break;
	}
	if (e->field[0])
		reply_err(code, name, "field=%s offset=%lld expected=%s actual=%s: %s", e->field,
			  (long long)e->offset, e->expected[0] ? e->expected : "-",
			  e->actual[0] ? e->actual : "-", e->message);
	else
		reply_err(code, name, "%s", e->message);
}

/* ------------------------------------------------------------- parsing */

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	*out = (uint64_t)strtoull(s, &end, 0);
	return *end ? -1 : 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	*out = strtod(s, &end);
	return *end ? -1 : 0;
}

static int parse_hex16(const char *s, uint8_t out[16])
{
	int i;
	if (strlen(s) != 32)
		return -1;
	for (i = 0; i < 16; i++) {
		unsigned v;
		char b[3] = {s[2 * i], s[2 * i + 1], 0};
		char *end;
		v = (unsigned)strtoul(b, &end, 16);
		if (*end)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* A pair of 32-bit values, "A,B" (create's rings= and ring_max=). */
static int parse_pair(const char *s, uint32_t out[2])
{
	const char *comma = strchr(s, ',');
	char first[32];
	uint64_t a, b;
	if (!comma || (size_t)(comma - s) >= sizeof first)
		return -1;
	memcpy(first, s, (size_t)(comma - s));
	first[comma - s] = 0;
	if (parse_u64(first, &a) != 0 || parse_u64(comma + 1, &b) != 0 || a > UINT32_MAX || b > UINT32_MAX)
		return -1;
	out[0] = (uint32_t)a;
	out[1] = (uint32_t)b;
	return 0;
}

/* key=value options after the positional arguments. */
struct opts {
	uint64_t offset, size, features, required, pid, max, exist_ok, echo, min, pause;
	uint32_t rings[2], ring_max[2]; /* create: the channel's rings (15.6) */
	int has_features, has_pid, has_instance, has_max, has_timeout, has_rings, has_ring_max;
	double timeout;
	double spin; /* seconds, or SHM_SIGNAL_SPIN_AUTO; the engine's default without has_spin */
	int has_spin;
	uint8_t instance[16];
};

/* spin=auto, or finite seconds >= 0. */
static int parse_spin(const char *s, double *out)
{
	if (!strcmp(s, "auto")) {
		*out = SHM_SIGNAL_SPIN_AUTO;
		return 0;
	}
	return parse_double(s, out) != 0 || !(*out >= 0) || isinf(*out) ? -1 : 0;
}

static int parse_opts(char **tok, int n, struct opts *o)
{
	int i;
	for (i = 0; i < n; i++) {
		char *eq = strchr(tok[i], '=');
		const char *v;
		int bad;
		if (!eq) {
			reply_err(P_USAGE, "USAGE", "expected key=value, got '%s'", tok[i]);
			return -1;
		}
		*eq = 0;
		v = eq + 1;
		if (!strcmp(tok[i], "offset"))
			bad = parse_u64(v, &o->offset);
		else if (!strcmp(tok[i], "size"))
			bad = parse_u64(v, &o->size);
		else if (!strcmp(tok[i], "features"))
			bad = parse_u64(v, &o->features), o->has_features = 1;
		else if (!strcmp(tok[i], "required"))
			bad = parse_u64(v, &o->required);
		else if (!strcmp(tok[i], "pid"))
			bad = parse_u64(v, &o->pid), o->has_pid = 1;
		else if (!strcmp(tok[i], "max"))
			bad = parse_u64(v, &o->max), o->has_max = 1;
		else if (!strcmp(tok[i], "min"))
			bad = parse_u64(v, &o->min);
		else if (!strcmp(tok[i], "pause"))
			bad = parse_u64(v, &o->pause);
		else if (!strcmp(tok[i], "exist_ok"))
			bad = parse_u64(v, &o->exist_ok);
		else if (!strcmp(tok[i], "echo"))
			bad = parse_u64(v, &o->echo);
		else if (!strcmp(tok[i], "timeout"))
			bad = parse_double(v, &o->timeout) || isnan(o->timeout), o->has_timeout = 1;
		else if (!strcmp(tok[i], "spin"))
			bad = parse_spin(v, &o->spin), o->has_spin = 1;
		else if (!strcmp(tok[i], "instance"))
			bad = parse_hex16(v, o->instance), o->has_instance = 1;
		else if (!strcmp(tok[i], "rings"))
			bad = parse_pair(v, o->rings), o->has_rings = 1;
		else if (!strcmp(tok[i], "ring_max"))
			bad = parse_pair(v, o->ring_max), o->has_ring_max = 1;
		else {
			reply_err(P_USAGE, "USAGE", "unknown option '%s'", tok[i]);
			return -1;
		}
		if (bad) {
			reply_err(P_USAGE, "USAGE", "bad value for %s: '%s'", tok[i], v);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) /* xorshift64*: fast, reproducible pauses */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void pause_us(double us)
{
	double until = shm_signal_now_s() + us * 1e-6;
	while (shm_signal_now_s() < until) {
	}
}

static void random_pause(uint64_t max_us)
{
	/* Mostly short busy pauses (both sides race), now and then a long one (the
	 * receiver parks): docs/spec.md 13.2, "inject". */
	if (!max_us)
		return;
	if (rng() % 1000 == 0)
		pause_us(200.0);
	else
		pause_us((double)(rng() % (max_us + 1)));
}

static int need_chan(void)
{
	if (!chan) {
		reply_err(P_NO_CHANNEL, "NO_CHANNEL", "no channel: create or attach first");
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------ commands */

/* create PATH LOCALITY [key=value...] (create = 1), attach PATH [key=value...]
 * (create = 0): the same parsing, checks and reply, around a different engine call;
 * attach also reports the negotiated features. */
static void cmd_open(char **tok, int n, int create)
{
	int positional = create ? 3 : 2; /* tokens before the options: the command, PATH[, LOCALITY] */
	struct opts o;
	struct shm_signal_error e;
	uint64_t loc = 0, f = 0;
	uint32_t flags = 0;
	int rc;
	memset(&o, 0, sizeof o);
	if (n < positional || (create && parse_u64(tok[2], &loc) != 0)) {
		reply_err(P_USAGE, "USAGE", "%s",
			  create ? "create PATH LOCALITY [key=value...]" : "attach PATH [key=value...]");
		return;
	}
	if (parse_opts(tok + positional, n - positional, &o) != 0)
		return;
	if (chan) {
		reply_err(P_USAGE, "USAGE", "a channel is open: close it first");
		return;
	}
	if (!create && (o.has_rings || o.has_ring_max)) {
		reply_err(P_USAGE, "USAGE", "rings= and ring_max= are create's: an attacher finds the rings");
		return;
	}
	flags |= o.has_pid ? SHM_SIGNAL_O_PID : 0;
	flags |= o.has_features ? SHM_SIGNAL_O_FEATURES : 0;
	if (create) {
		flags |= o.exist_ok ? SHM_SIGNAL_O_EXIST_OK : 0;
		flags |= o.has_instance ? SHM_SIGNAL_O_INSTANCE_ID : 0;
		/* without rings= MESSAGE_RINGS is never offered (13.2); ring_max= alone is E_ARG */
		rc = shm_signal_create_rings(&chan, tok[1], (uint32_t)(loc > 2 ? 2 : loc), o.offset, o.size,
					     o.features, o.required, 0600, flags, o.instance, (uint32_t)o.pid,
					     o.has_rings ? o.rings : NULL, o.has_ring_max ? o.ring_max : NULL, &e);
	} else {
		rc = shm_signal_attach(&chan, tok[1], o.offset, o.features, flags, (uint32_t)o.pid, o.timeout,
				       &e);
	}
	if (rc) {
		reply_engine(rc, &e);
		return;
	}
	shm_signal_set_notifier(chan, count_call, NULL);
	if (o.has_spin)
		shm_signal_set_spin(chan, o.spin, NULL); /* checked by parse_spin: cannot fail */
	if (create) {
		reply_ok("locality=%u", shm_signal_locality(chan));
		return;
	}
	shm_signal_features(chan, &f, NULL, NULL); /* an attacher's set: never a fault */
	reply_ok("locality=%u features=0x%llx", shm_signal_locality(chan), (unsigned long long)f);
}

static void cmd_inject(char **tok, int n)
{
	uint64_t count = 1, pause = 0, i, notified = 0;
	struct shm_signal_error e;
	if ((n > 1 && parse_u64(tok[1], &count) != 0) || (n > 2 && parse_u64(tok[2], &pause) != 0)) {
		reply_err(P_USAGE, "USAGE", "inject [N [PAUSE_US]]");
		return;
	}
	if (need_chan())
		return;
	for (i = 0; i < count; i++) {
		int k, rc;
		if (i)
			random_pause(pause);
		rc = shm_signal_inject(chan, &k, &e);
		if (rc) {
			reply_engine(rc, &e);
			return;
		}
		notified += (uint64_t)k;
	}
	reply_ok("notified=%llu", (unsigned long long)notified);
}

static void nap_1ms(void)
{
#if defined(_WIN32)
	Sleep(1);
#else
	struct timespec ts = {0, 1000000L};
	nanosleep(&ts, NULL);
#endif
}

/* The line protocol's `wait` (spec 13.2): ready as soon as the own dirty or pending
 * is set, enabled or not.  The engine's wait parks a disabled owner (no inject will
 * notify it), so a disabled channel is watched here: the own record's flags every
 * millisecond, the peer's liveness and the deadline every turn. */
static int wait_any_state(double t, int *ready, struct shm_signal_error *e)
{
	uint8_t b[SHM_SIGNAL_DESC_SIZE];
	const uint8_t *own;
	double deadline = t < 0 ? -1.0 : shm_signal_now_s() + t;
	int rc;
	for (;;) {
		shm_signal_descriptor_bytes(chan, b);
		own = b + offsetof(struct shm_signal_desc, irq) +
		      sizeof(struct shm_signal_irq) * shm_signal_locality(chan);
		if (own[offsetof(struct shm_signal_irq, dirty)] || own[offsetof(struct shm_signal_irq, pending)]) {
			*ready = 1;
			return 0;
		}
		if (own[offsetof(struct shm_signal_irq, enabled)] == 1) {
			double left = deadline < 0 ? -1.0 : deadline - shm_signal_now_s();
			return shm_signal_wait(chan, deadline < 0 ? -1.0 : (left > 0 ? left : 0.0), ready, e);
		}
		if ((rc = shm_signal_check_peer(chan, e)) != 0)
			return rc;
		if (deadline >= 0 && shm_signal_now_s() >= deadline) {
			*ready = 0;
			return 0;
		}
		nap_1ms();
	}
}

static void cmd_wait(char **tok, int n)
{
	double t;
	int ready, rc;
	struct shm_signal_error e;
	if (n < 2 || parse_double(tok[1], &t) != 0) {
		reply_err(P_USAGE, "USAGE", "wait SECONDS");
		return;
	}
	if (need_chan())
		return;
	rc = wait_any_state(t, &ready, &e);
	if (rc)
		reply_engine(rc, &e);
	else
		reply_ok("ready=%d", ready);
}

static void cmd_wakeup(char **tok, int n)
{
	uint64_t budget = 0;
	uint32_t calls;
	int more, rc;
	struct shm_signal_error e;
	if (n > 1 && (parse_u64(tok[1], &budget) != 0 || budget > UINT32_MAX)) {
		reply_err(P_USAGE, "USAGE", "wakeup [BUDGET]");
		return;
	}
	if (need_chan())
		return;
	rc = shm_signal_wakeup(chan, (uint32_t)budget, &calls, &more, &e);
	if (rc)
		reply_engine(rc, &e);
	else
		reply_ok("calls=%u more=%d", calls, more);
}

/* ping N TIMEOUT: N round trips (inject, wait for the answer, wakeup). */
static void cmd_ping(char **tok, int n)
{
	uint64_t rounds, i;
	double t;
	uint64_t *ns;
	struct shm_signal_error e;
	if (n < 3 || parse_u64(tok[1], &rounds) != 0 || parse_double(tok[2], &t) != 0 || rounds == 0 ||
	    rounds > MAX_PING) {
		reply_err(P_USAGE, "USAGE", "ping N TIMEOUT (1 <= N <= %lu)", MAX_PING);
		return;
	}
	if (need_chan())
		return;
	ns = (uint64_t *)malloc(sizeof *ns * rounds);
	if (!ns) {
		reply_err(P_SYSTEM, "SYSTEM", "out of memory");
		return;
	}
	for (i = 0; i < rounds; i++) {
		double t0 = shm_signal_now_s();
		uint32_t calls = 0;
		int ready = 0, rc, more;
		rc = shm_signal_inject(chan, NULL, &e);
		while (!rc && calls == 0) { /* the answer is a dirty of our own */
			rc = shm_signal_wait(chan, t, &ready, &e);
			if (!rc && !ready) {
				free(ns);
				reply_err(P_TIMEOUT, "TIMEOUT", "no answer to ping %llu within %g s",
					  (unsigned long long)i, t);
				return;
			}
			if (!rc)
				rc = shm_signal_wakeup(chan, 0, &calls, &more, &e);
		}
		if (rc) {
			free(ns);
			reply_engine(rc, &e);
			return;
		}
		ns[i] = (uint64_t)((shm_signal_now_s() - t0) * 1e9);
	}
	qsort(ns, (size_t)rounds, sizeof *ns, cmp_u64);
	reply_ok("rounds=%llu median_ns=%llu p99_ns=%llu", (unsigned long long)rounds,
		 (unsigned long long)ns[rounds / 2], (unsigned long long)ns[(rounds * 99) / 100]);
	free(ns);
}

/* serve TIMEOUT [echo=1] [max=N]: wait/wakeup until the peer closes. */
static void cmd_serve(char **tok, int n)
{
	struct opts o;
	double t;
	uint64_t wakeups = 0, calls = 0, echoes = 0;
	struct shm_signal_error e;
	memset(&o, 0, sizeof o);
	if (n < 2 || parse_double(tok[1], &t) != 0) {
		reply_err(P_USAGE, "USAGE", "serve TIMEOUT [echo=1] [max=N]");
		return;
	}
	if (parse_opts(tok + 2, n - 2, &o) != 0 || need_chan())
		return;
	for (;;) {
		int ready, rc, more;
		uint32_t c = 0;
		rc = shm_signal_wait(chan, t, &ready, &e);
		if (rc == SHM_SIGNAL_FAULT_PEER_CLOSED) {
			/* drain what the closing peer left, then report */
			shm_signal_wakeup(chan, 0, &c, &more, &e);
			calls += c;
			reply_ok("closed=1 wakeups=%llu calls=%llu echoes=%llu", (unsigned long long)wakeups,
				 (unsigned long long)calls, (unsigned long long)echoes);
			return;
		}
		if (rc) {
			reply_engine(rc, &e);
			return;
		}
		if (!ready) {
			reply_ok("closed=0 wakeups=%llu calls=%llu echoes=%llu", (unsigned long long)wakeups,
				 (unsigned long long)calls, (unsigned long long)echoes);
			return;
		}
		rc = shm_signal_wakeup(chan, 0, &c, &more, &e);
		if (rc) {
			reply_engine(rc, &e);
			return;
		}
		wakeups++;
		calls += c;
		if (o.echo && c) {
			rc = shm_signal_inject(chan, NULL, &e);
			if (rc) {
				reply_engine(rc, &e);
				return;
			}
			echoes++;
		}
		if (o.max && calls >= o.max) {
			reply_ok("closed=0 wakeups=%llu calls=%llu echoes=%llu", (unsigned long long)wakeups,
				 (unsigned long long)calls, (unsigned long long)echoes);
			return;
		}
	}
}

static void cmd_stats(void)
{
	struct shm_signal_stats s;
	if (need_chan())
		return;
	shm_signal_get_stats(chan, &s);
	reply_ok("injects=%llu notifications=%llu wakeups=%llu notifier_calls=%llu parks=%llu late=%llu",
		 (unsigned long long)s.injects, (unsigned long long)s.notifications,
		 (unsigned long long)s.wakeups, (unsigned long long)s.notifier_calls,
		 (unsigned long long)s.parks, (unsigned long long)s.late);
}

static void cmd_dump(void)
{
	uint8_t b[SHM_SIGNAL_DESC_SIZE];
	char hex[2 * SHM_SIGNAL_DESC_SIZE + 1];
	unsigned i;
	if (need_chan())
		return;
	shm_signal_descriptor_bytes(chan, b);
	for (i = 0; i < SHM_SIGNAL_DESC_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	reply_ok("%s", hex);
}

/* ------------------------------------------------------- message rings */

/* The ring commands (docs/spec.md 13.2): at most one producer side and one consumer
 * side, each over the mapping shm_signal_data hands out, valid while the channel is
 * open (close forgets both).  The blocking steps are the Python engine's RingSender
 * and RingReceiver (abi/engine/ring.py): the engine's ring never waits, the channel's
 * wait does. */
struct ring_side {
	int open;
	struct shm_signal_ring r;
	unsigned char *region; /* the ring's first byte (the handle drops it after a fault) */
	uint8_t *buf;          /* consumer: room for max_message bytes */
};

static struct ring_side sides[2]; /* [SHM_SIGNAL_RING_PRODUCER], [SHM_SIGNAL_RING_CONSUMER] */
static const char *const role_names[2] = {"producer", "consumer"};

static void ring_forget(int role)
{
	free(sides[role].buf);
	memset(&sides[role], 0, sizeof sides[role]);
}

static void rings_forget(void)
{
	ring_forget(SHM_SIGNAL_RING_PRODUCER);
	ring_forget(SHM_SIGNAL_RING_CONSUMER);
}

/* parse_opts for a command that takes only the options named in `allowed`
 * (space-separated): 13.4, an unknown option is USAGE. */
static int parse_opts_of(char **tok, int n, struct opts *o, const char *allowed)
{
	int i;
	for (i = 0; i < n; i++) {
		const char *a = allowed;
		size_t k = strcspn(tok[i], "=");
		int known = !tok[i][k]; /* no '=': parse_opts names that */
		while (*a && !known) {
			size_t w = strcspn(a, " ");
			known = w == k && !strncmp(a, tok[i], k);
			a += w;
			a += *a == ' ';
		}
		if (!known) {
			reply_err(P_USAGE, "USAGE", "unknown option '%.*s'", (int)k, tok[i]);
			return -1;
		}
	}
	return parse_opts(tok, n, o);
}

/* 0 if the channel is open and `role` is (else the reply is sent). */
static int need_side(int role)
{
	if (need_chan())
		return -1;
	if (!sides[role].open) {
		reply_err(P_USAGE, "USAGE", "no %s side: ring_open OFFSET %s first", role_names[role],
			  role_names[role]);
		return -1;
	}
	return 0;
}

/* SECONDS from now as a deadline on shm_signal_now_s(); -1.0 for no limit (13.1:
 * negative). */
static double deadline_in(double t)
{
	return t < 0 || isinf(t) ? -1.0 : shm_signal_now_s() + t;
}

static int past(double deadline)
{
	return deadline >= 0 && shm_signal_now_s() >= deadline;
}

/* One wait on the channel (7.5) up to the deadline, then the wakeup that consumes
 * what ended it, so that the next wait parks again.  0 or the wait's fault. */
static int ring_wait(double deadline, struct shm_signal_error *e)
{
	double left = deadline < 0 ? -1.0 : deadline - shm_signal_now_s();
	int ready = 0, rc;
	rc = shm_signal_wait(chan, deadline < 0 ? -1.0 : (left > 0 ? left : 0.0), &ready, e);
	if (!rc && ready)
		rc = shm_signal_wakeup(chan, 0, NULL, NULL, e);
	return rc;
}

/* The producer's send (15.3) with its waits: while the ring is full, wait on the
 * channel for the consumer's inject (it injects after releasing when we may wait),
 * then try again; inject once published (step 5).  A padding record published on
 * its own (step 2, then no room) gets an inject too, and one more try before the
 * wait: the consumer releases padding only when it looks, and one waiting looks only
 * when woken; and the try decides "full" from a tail loaded after the inject's full
 * fence, where the first try's, loaded before the padding, may miss a release whose
 * consumer also looked before the padding and saw no reason to wake us (its fence in
 * ring_recv_one is the other half).  At data offset 0 it cannot pad again.  Each
 * turn waits or ends, so the deadline bounds the loop (a negative timeout has none,
 * 13.1).  1 sent, 0 not within the deadline, -1 when the error reply has been sent. */
static int ring_send_one(const uint8_t *msg, uint32_t n, double deadline)
{
	struct shm_signal_ring *r = &sides[SHM_SIGNAL_RING_PRODUCER].r;
	struct shm_signal_error e;
	uint32_t head;
	int rc;
	for (;;) {
		head = r->pos;
		rc = shm_signal_ring_send(r, msg, n, &e);
		if (rc == SHM_SIGNAL_E_FULL && r->pos != head) {
			rc = shm_signal_inject(chan, NULL, &e);
			if (rc == 0)
				rc = shm_signal_ring_send(r, msg, n, &e);
		}
		if (rc == 0)
			rc = shm_signal_inject(chan, NULL, &e);
		if (rc == 0)
			return 1;
		if (rc != SHM_SIGNAL_E_FULL)
			break;
		if (past(deadline))
			return 0;
		rc = ring_wait(deadline, &e);
		if (rc)
			break;
	}
	reply_engine(rc, &e);
	return -1;
}

static uint32_t ring_head(const struct ring_side *s)
{
	return shm_signal_load_word(s->region + SHM_SIGNAL_RING_OFF_HEAD);
}

static int head_moved(const struct ring_side *s, uint32_t head)
{
	shm_signal_fence();
	return ring_head(s) != head;
}

/* The consumer's receive (15.4) into its buffer (*n bytes) with its waits: while
 * the ring is empty, wait on the channel for the producer's inject.  After a
 * release it injects when the producer may be waiting for room (step 4): it only
 * waits when fewer bytes than its largest record were free, or when it published a
 * padding record since our look (and then found no room behind it).  A producer
 * that closed or died leaves its messages to be received: its fault comes after the
 * last.  Bounded as ring_send_one.  1 received, 0 none within the deadline, -1
 * when the error reply has been sent. */
static int ring_recv_one(double deadline, uint32_t *n)
{
	struct ring_side *s = &sides[SHM_SIGNAL_RING_CONSUMER];
	uint32_t room_for_any = s->r.capacity - (8u + ((s->r.max_message + 7u) & ~7u));
	struct shm_signal_error e, ie, gone;
	int rc, irc, gone_rc = 0;
	for (;;) {
		uint32_t tail = s->r.pos, head = ring_head(s);
		rc = shm_signal_ring_recv(&s->r, s->buf, s->r.max_message, n, &e);
		/* (a padding record released without a message behind it is room too; head is
		 * loaded again after a full fence that follows our release, as the producer
		 * loads tail after one that follows its head store: else both may read the
		 * old value, and each wait for the other) */
		if (s->r.pos != tail && (head - tail > room_for_any || head_moved(s, head))) {
			irc = shm_signal_inject(chan, NULL, &ie);
			if (irc) {
				reply_engine(irc, &ie);
				return -1;
			}
		}
		if (rc == 0)
			return 1;
		if (rc != SHM_SIGNAL_E_EMPTY)
			break;
		if (gone_rc) { /* drained: now the producer's fault */
			rc = gone_rc;
			e = gone;
			break;
		}
		if (past(deadline))
			return 0;
		rc = ring_wait(deadline, &e);
		if (rc == SHM_SIGNAL_FAULT_PEER_CLOSED || rc == SHM_SIGNAL_FAULT_PEER_DEAD) {
			gone_rc = rc; /* one more look: what it published before it went is ours */
			gone = e;
		} else if (rc) {
			break;
		}
	}
	reply_engine(rc, &e);
	return -1;
}

/* Message i of the stream `seed` (13.6): SplitMix64's output x gives the length,
 * A + x mod (B - A + 1), and the bytes, x's little-endian bytes plus j / 8. */
static uint32_t stream_message(uint64_t seed, uint64_t i, uint32_t a, uint32_t b, uint8_t *out)
{
	uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ull, x;
	uint32_t len, j;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	x = z ^ (z >> 31);
	len = a + (uint32_t)(x % ((uint64_t)b - a + 1));
	for (j = 0; j < len; j++)
		out[j] = (uint8_t)((x >> (8 * (j % 8))) + j / 8);
	return len;
}

/* ring_create OFFSET CAPACITY [max=N] */
static void cmd_ring_create(char **tok, int n)
{
	struct opts o;
	struct shm_signal_error e;
	uint64_t off, cap, len = 0;
	void *p;
	int rc;
	memset(&o, 0, sizeof o);
	if (n < 3 || parse_u64(tok[1], &off) != 0 || parse_u64(tok[2], &cap) != 0) {
		reply_err(P_USAGE, "USAGE", "ring_create OFFSET CAPACITY [max=N]");
		return;
	}
	if (parse_opts_of(tok + 3, n - 3, &o, "max") != 0 || need_chan())
		return;
	if (!o.has_max)
		o.max = cap >= 8 ? cap - 8 : 0;
	if (cap > UINT32_MAX || o.max > UINT32_MAX) {
		reply_err(P_USAGE, "USAGE", "capacity %llu, max %llu: a power of two from 64 to 2^30, 1 to "
			  "capacity - 8", (unsigned long long)cap, (unsigned long long)o.max);
		return;
	}
	rc = shm_signal_data(chan, off, SHM_SIGNAL_RING_HEADER + cap, &p, &e);
	if (rc == SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL) {
		shm_signal_data_length(chan, &len, NULL);
		reply_err(P_USAGE, "USAGE", "the file holds %llu bytes, OFFSET + 192 + CAPACITY = %llu: "
			  "create the channel with size=", (unsigned long long)len,
			  (unsigned long long)(off + SHM_SIGNAL_RING_HEADER + cap));
		return;
	}
	if (!rc)
		rc = shm_signal_ring_init(p, (size_t)(SHM_SIGNAL_RING_HEADER + cap), (uint32_t)cap,
					  (uint32_t)o.max, &e);
	if (rc)
		reply_engine(rc, &e); /* E_ARG (alignment, capacity, max): USAGE */
	else
		reply_ok(NULL);
}

/* ring_open_at's "the reply has been sent": neither a fault code (1-18) nor an
 * engine error (< 0). */
#define REPLIED 1000

/* The ring at file offset `off` (64-aligned), from there to the end of the file
 * (15.1 checks that it holds the data area), into sides[role].r: 0, the engine's
 * code, or REPLIED. */
static int ring_open_at(uint64_t off, int role, struct shm_signal_error *e)
{
	uint64_t len, want;
	void *p;
	int rc = shm_signal_data_length(chan, &len, e);
	if (rc)
		return rc;
	/* The file is the other side's to size: too short for a header is the ring's
	 * fault, named as the Python engine names it. */
	if (len < off || len - off < SHM_SIGNAL_RING_HEADER) {
		reply_err(SHM_SIGNAL_FAULT_BAD_RING, "BAD_RING",
			  "field=magic offset=0 expected=%u bytes actual=%llu: the file ends before the ring's "
			  "header", SHM_SIGNAL_RING_HEADER, (unsigned long long)(len < off ? 0 : len - off));
		return REPLIED;
	}
	want = len - off; /* no ring needs more than its largest region */
	if (want > SHM_SIGNAL_RING_HEADER + (uint64_t)SHM_SIGNAL_RING_MAX_CAPACITY)
		want = SHM_SIGNAL_RING_HEADER + (uint64_t)SHM_SIGNAL_RING_MAX_CAPACITY;
	rc = shm_signal_data(chan, off, want, &p, e);
	if (!rc)
		rc = shm_signal_ring_open(&sides[role].r, p, (size_t)want, role, e);
	return rc;
}

/* ring_open OFFSET ROLE: the ring at OFFSET, or with OFFSET `channel` the channel's
 * own ring of that role (15.6: UNSUPPORTED_FEATURE unless MESSAGE_RINGS is
 * negotiated); then enable. */
static void cmd_ring_open(char **tok, int n)
{
	struct opts o;
	struct shm_signal_error e;
	struct ring_side *s;
	uint64_t off = 0;
	int role, rc, own;
	memset(&o, 0, sizeof o);
	own = n >= 2 && strcmp(tok[1], "channel") == 0;
	if (n < 3 || (!own && parse_u64(tok[1], &off) != 0) ||
	    (strcmp(tok[2], "producer") != 0 && strcmp(tok[2], "consumer") != 0)) {
		reply_err(P_USAGE, "USAGE", "ring_open OFFSET|channel producer|consumer");
		return;
	}
	if (parse_opts_of(tok + 3, n - 3, &o, "") != 0 || need_chan())
		return;
	role = strcmp(tok[2], "producer") == 0 ? SHM_SIGNAL_RING_PRODUCER : SHM_SIGNAL_RING_CONSUMER;
	s = &sides[role];
	if (off % SHM_SIGNAL_RING_ALIGN) {
		reply_err(P_USAGE, "USAGE", "OFFSET %llu is not a multiple of 64", (unsigned long long)off);
		return;
	}
	ring_forget(role); /* opening a side again replaces it, whether or not this one opens */
	rc = own ? shm_signal_channel_ring(chan, role, &s->r, &e) : ring_open_at(off, role, &e);
	if (rc == REPLIED)
		return;
	if (!rc && role == SHM_SIGNAL_RING_CONSUMER && !(s->buf = (uint8_t *)malloc(s->r.max_message))) {
		reply_err(P_SYSTEM, "SYSTEM", "out of memory for messages of %lu bytes",
			  (unsigned long)s->r.max_message);
		ring_forget(role);
		return;
	}
	if (!rc)
		rc = shm_signal_enable(chan, NULL, &e); /* the other side's injects notify us (7.3) */
	if (rc) {
		ring_forget(role);
		reply_engine(rc, &e);
		return;
	}
	s->open = 1;
	s->region = s->r.base;
	reply_ok("capacity=%lu max=%lu", (unsigned long)s->r.capacity, (unsigned long)s->r.max_message);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A payload as ring_send takes it: "-" (empty) or pairs of hex digits; at most
 * `room` bytes to out, their number to *n.  0, or -1 when malformed. */
static int parse_payload(const char *s, uint8_t *out, size_t room, uint32_t *n)
{
	size_t len = strlen(s), i;
	*n = 0;
	if (!strcmp(s, "-"))
		return 0;
	if (len % 2 || len / 2 > room)
		return -1;
	for (i = 0; i < len / 2; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = (uint32_t)(len / 2);
	return 0;
}

/* ring_send HEX [timeout=SECONDS] */
static void cmd_ring_send(char **tok, int n)
{
	static uint8_t msg[MAX_LINE / 2]; /* the line limit bounds the message */
	struct opts o;
	uint32_t len;
	int sent;
	memset(&o, 0, sizeof o);
	if (n < 2 || parse_payload(tok[1], msg, sizeof msg, &len) != 0) {
		reply_err(P_USAGE, "USAGE", "ring_send HEX [timeout=SECONDS] (HEX: an even number of hex "
			  "digits, or - for an empty message)");
		return;
	}
	if (parse_opts_of(tok + 2, n - 2, &o, "timeout") != 0 || need_side(SHM_SIGNAL_RING_PRODUCER))
		return;
	sent = ring_send_one(msg, len, deadline_in(o.has_timeout ? o.timeout : 0.0));
	if (sent >= 0)
		reply_ok("sent=%d", sent);
}

/* ring_recv [timeout=SECONDS] */
static void cmd_ring_recv(char **tok, int n)
{
	struct ring_side *s = &sides[SHM_SIGNAL_RING_CONSUMER];
	struct opts o;
	uint32_t len = 0, i;
	int got;
	memset(&o, 0, sizeof o);
	if (parse_opts_of(tok + 1, n - 1, &o, "timeout") != 0 || need_side(SHM_SIGNAL_RING_CONSUMER))
		return;
	got = ring_recv_one(deadline_in(o.has_timeout ? o.timeout : 0.0), &len);
	if (got < 0)
		return;
	if (!got) {
		reply_ok("got=0");
		return;
	}
	fputs("ok got=1 data=", stdout);
	if (!len)
		fputc('-', stdout);
	for (i = 0; i < len; i++)
		printf("%02x", s->buf[i]);
	fputc('\n', stdout);
	fflush(stdout);
}

/* ring_stream N SEED [min=A] [max=B] [timeout=SECONDS] [pause=US] (send = 1),
 * ring_check N SEED [min=A] [max=B] [timeout=SECONDS] (send = 0): the messages of
 * 13.6, each sent or received as ring_send / ring_recv would. */
static void cmd_ring_stream(char **tok, int n, int send)
{
	int role = send ? SHM_SIGNAL_RING_PRODUCER : SHM_SIGNAL_RING_CONSUMER;
	struct opts o;
	uint64_t count, seed, i, b;
	uint32_t len, got = 0;
	uint8_t *msg;
	double t;
	int rc = 1;
	memset(&o, 0, sizeof o);
	if (n < 3 || parse_u64(tok[1], &count) != 0 || parse_u64(tok[2], &seed) != 0) {
		reply_err(P_USAGE, "USAGE", "%s", send ? "ring_stream N SEED [min=A] [max=B] [timeout=SECONDS] "
			  "[pause=US]" : "ring_check N SEED [min=A] [max=B] [timeout=SECONDS]");
		return;
	}
	if (parse_opts_of(tok + 3, n - 3, &o, send ? "min max timeout pause" : "min max timeout") != 0 ||
	    need_side(role))
		return;
	b = o.has_max ? o.max : sides[role].r.max_message;
	if (o.min > b || b > sides[role].r.max_message) {
		reply_err(P_USAGE, "USAGE", "min %llu, max %llu: need min <= max <= max_message (%lu)",
			  (unsigned long long)o.min, (unsigned long long)b,
			  (unsigned long)sides[role].r.max_message);
		return;
	}
	t = o.has_timeout ? o.timeout : 10.0;
	msg = (uint8_t *)malloc(b ? (size_t)b : 1);
	if (!msg) {
		reply_err(P_SYSTEM, "SYSTEM", "out of memory for messages of %llu bytes", (unsigned long long)b);
		return;
	}
	for (i = 0; i < count; i++) {
		len = stream_message(seed, i, (uint32_t)o.min, (uint32_t)b, msg);
		if (send) {
			if (i)
				random_pause(o.pause);
			rc = ring_send_one(msg, len, deadline_in(t));
		} else {
			rc = ring_recv_one(deadline_in(t), &got);
		}
		if (rc <= 0)
			break;
		if (!send && (got != len || memcmp(sides[role].buf, msg, len) != 0))
			break; /* lost, duplicated, reordered or altered: the first is enough */
	}
	free(msg);
	if (rc < 0)
		return;
	if (rc == 0)
		reply_err(P_TIMEOUT, "TIMEOUT", "message %llu not %s within %g s", (unsigned long long)i,
			  send ? "sent" : "received", t);
	else if (i < count)
		reply_ok("received=%llu bad=%llu", (unsigned long long)i, (unsigned long long)i);
	else if (send)
		reply_ok("sent=%llu", (unsigned long long)count);
	else
		reply_ok("received=%llu", (unsigned long long)count);
}

/* Returns 1 when the peer should exit. */
static int dispatch(char *line)
{
	char *tok[MAX_TOKENS];
	int n = 0;
	char *p = line;
	struct shm_signal_error e;
	while (*p && n < MAX_TOKENS) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = 0;
		if (!*p)
			break;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
	}
	if (n == 0) {
		reply_err(P_USAGE, "USAGE", "empty command");
		return 0;
	}
	if (!strcmp(tok[0], "hello")) {
		reply_ok("protocol=1 impl=c features=0x%llx",
			 (unsigned long long)shm_signal_supported_features());
	} else if (!strcmp(tok[0], "create")) {
		cmd_open(tok, n, 1);
	} else if (!strcmp(tok[0], "attach")) {
		cmd_open(tok, n, 0);
	} else if (!strcmp(tok[0], "features")) {
		uint64_t f = 0;
		int negotiated = 0, rc;
		if (need_chan())
			return 0;
		rc = shm_signal_features(chan, &f, &negotiated, &e);
		if (rc)
			reply_engine(rc, &e);
		else if (negotiated)
			reply_ok("features=0x%llx", (unsigned long long)f);
		else
			reply_ok("features=none");
	} else if (!strcmp(tok[0], "wait_peer")) {
		double t;
		int attached = 0, rc;
		if (n < 2 || parse_double(tok[1], &t) != 0) {
			reply_err(P_USAGE, "USAGE", "wait_peer SECONDS");
		} else if (!need_chan()) {
			rc = shm_signal_wait_for_peer(chan, t, &attached, &e);
			if (rc)
				reply_engine(rc, &e);
			else
				reply_ok("attached=%d", attached);
		}
	} else if (!strcmp(tok[0], "enable")) {
		uint32_t calls;
		int rc;
		if (need_chan())
			return 0;
		rc = shm_signal_enable(chan, &calls, &e);
		if (rc)
			reply_engine(rc, &e);
		else
			reply_ok("calls=%u", calls);
	} else if (!strcmp(tok[0], "disable")) {
		if (need_chan())
			return 0;
		shm_signal_disable(chan, &e);
		reply_ok(NULL);
	} else if (!strcmp(tok[0], "inject")) {
		cmd_inject(tok, n);
	} else if (!strcmp(tok[0], "wakeup")) {
		cmd_wakeup(tok, n);
	} else if (!strcmp(tok[0], "wait")) {
		cmd_wait(tok, n);
	} else if (!strcmp(tok[0], "ping")) {
		cmd_ping(tok, n);
	} else if (!strcmp(tok[0], "serve")) {
		cmd_serve(tok, n);
	} else if (!strcmp(tok[0], "stats")) {
		cmd_stats();
	} else if (!strcmp(tok[0], "dump")) {
		cmd_dump();
	} else if (!strcmp(tok[0], "ring_create")) {
		cmd_ring_create(tok, n);
	} else if (!strcmp(tok[0], "ring_open")) {
		cmd_ring_open(tok, n);
	} else if (!strcmp(tok[0], "ring_send")) {
		cmd_ring_send(tok, n);
	} else if (!strcmp(tok[0], "ring_recv")) {
		cmd_ring_recv(tok, n);
	} else if (!strcmp(tok[0], "ring_stream")) {
		cmd_ring_stream(tok, n, 1);
	} else if (!strcmp(tok[0], "ring_check")) {
		cmd_ring_stream(tok, n, 0);
	} else if (!strcmp(tok[0], "close")) {
		if (need_chan())
			return 0;
		rings_forget(); /* their mappings go with the channel */
		shm_signal_close(chan);
		chan = NULL;
		reply_ok(NULL);
	} else if (!strcmp(tok[0], "quit")) {
		rings_forget();
		shm_signal_close(chan);
		chan = NULL;
		reply_ok(NULL);
		return 1;
	} else {
		reply_err(P_USAGE, "USAGE", "unknown command '%s'", tok[0]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char line[MAX_LINE];
	if (argc > 1) {
		fprintf(stderr, "usage: %s  (commands on stdin, docs/spec.md section 13)\n", argv[0]);
		return 2;
	}
	while (fgets(line, sizeof line, stdin)) {
		if (!strchr(line, '\n') && !feof(stdin)) {
			int c; /* an over-long line: discard the rest, refuse it as one command */
			while ((c = getchar()) != EOF && c != '\n') {
			}
			reply_err(P_USAGE, "USAGE", "line longer than %d bytes", MAX_LINE - 1);
			continue;
		}
		if (dispatch(line))
			return 0;
	}
	rings_forget();
	shm_signal_close(chan); /* end of input: leave cleanly */
	return 0;
}
