/*
 * shm_signal.pml - the signalling protocol of docs/spec.md section 7, for SPIN.
 *
 * Threads (each with a store buffer of its own) run the spec's steps over one byte
 * array `mem`; a flusher per thread commits its buffered stores to `mem` whenever it
 * likes.  The memory model is chosen at compile time:
 *   SC   (default)  stores go straight to memory;
 *   TSO  -DTSO      a FIFO store buffer per thread (x86): a load sees its own newest
 *                   buffered store, else memory; a full fence waits for the buffer to
 *                   drain;
 *   PSO  -DPSO      as TSO, but stores to different bytes may commit out of order
 *                   (same byte: in order); a release fence keeps every store before
 *                   it ahead of every store after it.
 * Loads are never reordered with each other in any of the three (an acquire fence is
 * then free), so the models differ only in what a store-then-load or a
 * store-then-store needs.
 *
 * The wait channel (spec 8): -DEVENT for a named event (auto-reset, no compare of
 * memory), else compare-and-wait on the owner's 4-byte wait word (futex).  A kernel
 * call (park, wake) contains a full fence, as the kernels' do.
 *
 * Configuration (numbers are the bounds; see docs/spec.md section 12 for why they
 * suffice): N injects per remote, BUDGET notifier calls and rounds per wakeup,
 * WAITER (WAITER_FLAG negotiated), TOGGLE (the owner disables and re-enables once),
 * CLOSE (the remote closes after its injects), BOTH (a ping-pong: locality 0
 * injects and waits for the echo, locality 1 serves and echoes; each thread plays
 * both roles over one store buffer), FLOOD (the remote stores dirty = 1
 * forever: the budget must still end every wakeup).  Mistakes, each a counterexample
 * somewhere: NO_F0 .. NO_F6, NO_BUDGET, V2009 (write/read barriers at F1, F3, F4),
 * STALE_WAITING (7.1: decide from the waiting byte of step 4), PARK_ON_MORE (7.2: wait
 * for a notification after a spent budget); and ALWAYS_WAKE (7.6: the wake call after
 * every inject, with which F1 may go).
 *
 * Every step prints an event while SPIN replays a trail (spin -t): "@T # TEXT" at a
 * step of the spec, and one line per store, commit, load, park and wake;
 * abi/model/trail.py turns them into the numbered counterexample.
 */

#ifndef N
#define N 2
#endif
#ifndef BUDGET
#define BUDGET 1
#endif
#define SB 4            /* store buffer entries per thread: more than any step stores before a fence */

#define NT 2            /* thread 0: the remote (with BOTH, also owner 0); thread 1: owner 1 */

/* Byte addresses: record o's wait word is 4o .. 4o+3 (enabled, pending, dirty,
 * waiting = pad0), then the data each remote writes for owner o, then each record's state. */
#define EN(o) (4 * (o))
#define PE(o) (4 * (o) + 1)
#define DI(o) (4 * (o) + 2)
#define WA(o) (4 * (o) + 3)
#define DATA(o) (8 + (o))
#define STATE(o) (10 + (o))
#define NADDR 12
#define CLOSED 2

byte mem[NADDR];
byte sb_a[NT * SB];     /* buffered store: address, value, release epoch */
byte sb_v[NT * SB];
byte sb_e[NT * SB];
byte sb_n[NT];
byte ep[NT];
bool asleep[2];         /* futex: owner o sleeps in the kernel */
bool ev[2];             /* named event of owner o: set, not yet consumed */
/* ghosts for the properties */
byte seen[2];           /* the largest data value owner o's notifier has read */
byte clears[2];         /* owner o's stores of pending = 0 */
byte notes[2];          /* notifications sent to owner o */
byte calls_now[2];      /* notifier calls in owner o's current wakeup */
bool remote_done[2];     /* the remote injecting into owner o is done */
bool owner_done[2];

/* ------------------------------------------------------------------ memory */

#if defined(TSO) || defined(PSO)
inline STORE(t, a, v) {
	atomic {
		sb_n[t] < SB ->
		sb_a[t * SB + sb_n[t]] = a;
		sb_v[t * SB + sb_n[t]] = v;
		sb_e[t * SB + sb_n[t]] = ep[t];
		sb_n[t]++;
		printf("@%d B %d %d\n", t, a, v)
	}
}
/* the newest buffered store of a, else memory */
inline LOAD(t, a, dst) {
	d_step {
		k = sb_n[t];
		dst = mem[a];
		do
		:: k > 0 && sb_a[t * SB + k - 1] != a -> k--
		:: k > 0 && sb_a[t * SB + k - 1] == a -> dst = sb_v[t * SB + k - 1]; break
		:: k == 0 -> break
		od;
		if
		:: k > 0 -> printf("@%d LB %d %d\n", t, a, dst)
		:: else -> printf("@%d L %d %d\n", t, a, dst)
		fi;
		k = 0
	}
}
#define FENCE(t) (sb_n[t] == 0)
#ifdef PSO
inline RELEASE(t) { d_step { if :: sb_n[t] > 0 -> ep[t]++ :: else -> skip fi } }
#else
inline RELEASE(t) { skip }
#endif
#else
inline STORE(t, a, v) { d_step { mem[a] = v; printf("@%d S %d %d\n", t, a, v) } }
inline LOAD(t, a, dst) { d_step { dst = mem[a]; printf("@%d L %d %d\n", t, a, dst) } }
#define FENCE(t) skip
inline RELEASE(t) { skip }
#endif

#ifdef PSO
/* entry i may commit: it is in the oldest release epoch and no older store to its byte is buffered */
#define SAME(t, i, j) (sb_a[t * SB + i] == sb_a[t * SB + j])
#define ELIG(t, i) (i < sb_n[t] && sb_e[t * SB + i] == sb_e[t * SB] && \
	!(i > 0 && SAME(t, i, 0)) && !(i > 1 && SAME(t, i, 1)) && !(i > 2 && SAME(t, i, 2)))
#endif

proctype flusher(byte t) {
	byte i, j;
end:	do
	:: atomic {
		sb_n[t] > 0 ->
#ifdef PSO
		if
		:: ELIG(t, 0) -> i = 0
		:: ELIG(t, 1) -> i = 1
		:: ELIG(t, 2) -> i = 2
		:: ELIG(t, 3) -> i = 3
		fi;
#else
		i = 0;
#endif
		mem[sb_a[t * SB + i]] = sb_v[t * SB + i];
		printf("@%d C %d %d\n", t, sb_a[t * SB + i], sb_v[t * SB + i]);
		j = i;
		do
		:: j + 1 < sb_n[t] ->
			sb_a[t * SB + j] = sb_a[t * SB + j + 1];
			sb_v[t * SB + j] = sb_v[t * SB + j + 1];
			sb_e[t * SB + j] = sb_e[t * SB + j + 1];
			j++
		:: else -> break
		od;
		sb_n[t]--;
		/* clear the freed entry: no load reads it, and a stale one would make equal states differ */
		sb_a[t * SB + sb_n[t]] = 0; sb_v[t * SB + sb_n[t]] = 0; sb_e[t * SB + sb_n[t]] = 0;
		if :: sb_n[t] == 0 -> ep[t] = 0 :: else -> skip fi;
		i = 0; j = 0
	}
	od
}

/* ------------------------------------------------------------------ fences */

#define FULL(t) FENCE(t)
#ifdef NO_F0
#define F0(t) skip
#else
#define F0(t) RELEASE(t)
#endif
#ifdef NO_F1
#define F1(t) skip
#elif defined(V2009)
#define F1(t) RELEASE(t)        /* wmb(): orders stores, not a store before a load */
#else
#define F1(t) FULL(t)
#endif
#ifdef NO_F2
#define F2(t) skip
#else
#define F2(t) FULL(t)
#endif
#ifdef NO_F3
#define F3(t) skip
#elif defined(V2009)
#define F3(t) skip              /* rmb(): orders loads, which are ordered here anyway */
#else
#define F3(t) FULL(t)
#endif
#ifdef NO_F4
#define F4(t) skip
#elif defined(V2009)
#define F4(t) RELEASE(t)
#else
#define F4(t) FULL(t)
#endif
#ifdef NO_F5
#define F5(t) skip
#else
#define F5(t) FULL(t)
#endif
#ifdef NO_F6
#define F6(t) skip
#else
#define F6(t) FULL(t)
#endif

/* ------------------------------------------------------------------ kernel calls (8) */

#ifdef EVENT
inline WAKE(t, o) { FULL(t); d_step { ev[o] = 1; printf("@%d W %d\n", t, o) } }
#else
inline WAKE(t, o) { FULL(t); d_step { asleep[o] = 0; printf("@%d W %d\n", t, o) } }
#endif

/* ------------------------------------------------------------------ 7.1 inject, by R into O */

inline INJECT(t, o) {
	printf("@%d # 7.1 step 1 F0\n", t);
	F0(t);
	printf("@%d # 7.1 step 2 store dirty = 1\n", t);
	STORE(t, DI(o), 1);
	printf("@%d # 7.1 step 3 F1\n", t);
	F1(t);
	printf("@%d # 7.1 step 4 load enabled, pending\n", t);
	LOAD(t, EN(o), en); LOAD(t, PE(o), pe);
#ifdef STALE_WAITING
	LOAD(t, WA(o), wa);                                /* the mistake: keep this one for step 5 */
#endif
	if
	:: en == 1 && pe == 0 ->
		printf("@%d # 7.1 step 5 store pending = 1\n", t);
		STORE(t, PE(o), 1);
		wake = 1;
#ifdef WAITER
		printf("@%d # 7.1 step 5 F6\n", t);
		F6(t);
#ifndef STALE_WAITING
		printf("@%d # 7.1 step 5 load waiting again\n", t);
		LOAD(t, WA(o), wa);
#endif
		if :: wa == 0 -> wake = 0 :: else -> skip fi;
#endif
		if
		:: wake ->
			notes[o]++;
			assert(notes[o] <= clears[o] + 1);         /* no notification while one is pending */
			printf("@%d # 7.1 step 5 notify\n", t);
			WAKE(t, o)
		:: else -> skip
		fi;
		wake = 0
	:: else ->
#ifdef ALWAYS_WAKE
		printf("@%d # 7.6: the wake call after every inject\n", t);
		WAKE(t, o);
#endif
		skip
	fi;
	en = 0; pe = 0; wa = 0
}

proctype remote(byte t; byte o) {
	byte i = 1, en, pe, wa, k;
	bool wake;
#ifdef FLOOD
end_flood:
	do
	:: printf("@%d # flood: store dirty = 1, forever\n", t); STORE(t, DI(o), 1)
	od;
#endif
	do
	:: i <= N ->
		printf("@%d # data: the shared state R signals about\n", t);
		STORE(t, DATA(o), i);
		INJECT(t, o);
		i++
	:: else -> break
	od;
#ifdef CLOSE
	printf("@%d # 9 close: store state = closed\n", t);
	STORE(t, STATE(1 - o), CLOSED);
	printf("@%d # 9 close: F0\n", t);
	F0(t);
	printf("@%d # 9 close: store the remote's dirty = 1\n", t);
	STORE(t, DI(o), 1);
	printf("@%d # 9 close: fence\n", t);
	FULL(t);
	printf("@%d # 9 close: unconditional wake\n", t);
	WAKE(t, o);
#endif
	remote_done[o] = 1
}

/* ------------------------------------------------------------------ 7.2-7.5, by O */

inline WAKEUP(t, o) {
	calls_now[o] = 0; rounds = 0; more = 0;
	do
	:: printf("@%d # 7.2 loop: load enabled, dirty, pending\n", t); LOAD(t, EN(o), en); LOAD(t, DI(o), di); LOAD(t, PE(o), pe);
		if
		:: en == 1 && (di == 1 || pe == 1) ->
			do
			:: LOAD(t, DI(o), di);
				if
#ifndef NO_BUDGET
				:: di == 1 && calls_now[o] >= BUDGET -> printf("@%d # 7.2 budget spent: more work\n", t); more = 1; break
				:: di == 1 && calls_now[o] < BUDGET ->
#else
				:: di == 1 ->
#endif
					printf("@%d # 7.2 store dirty = 0\n", t);
					STORE(t, DI(o), 0);
					printf("@%d # 7.2 F2\n", t);
					F2(t);
					printf("@%d # 7.2 notifier reads the shared state\n", t);
					LOAD(t, DATA(o), v);
					if :: v > seen[o] -> seen[o] = v :: else -> skip fi;
					calls_now[o]++;
					assert(calls_now[o] <= BUDGET)      /* no starvation: the budget bounds a wakeup */
				:: else -> break
				fi
			od;
			if
			:: more -> break
			:: else ->
				printf("@%d # 7.2 store pending = 0\n", t);
				atomic { STORE(t, PE(o), 0); clears[o]++ }
				printf("@%d # 7.2 F3\n", t);
				F3(t);
				rounds++;
				if
				:: rounds >= BUDGET ->
					LOAD(t, DI(o), di); LOAD(t, PE(o), pe);
					printf("@%d # 7.2 round budget spent\n", t);
					more = (di == 1 || pe == 1);
					break
				:: else -> skip
				fi
			fi
		:: else -> break
		fi
	od;
	v = 0; di = 0; pe = 0
}

inline ENABLE(t, o) {
	printf("@%d # 7.3 step 1 store enabled = 1\n", t);
	STORE(t, EN(o), 1);
	printf("@%d # 7.3 step 2 F4\n", t);
	F4(t);
	printf("@%d # 7.3 step 3 load dirty, pending\n", t);
	LOAD(t, DI(o), di); LOAD(t, PE(o), pe);
	if :: di == 1 || pe == 1 -> WAKEUP(t, o) :: else -> skip fi
}

/* 7.5: wait until enabled with work, or the peer closed (closed = 1); used once per proctype */
inline WAIT(t, o) {
	do
	:: LOAD(t, STATE(1 - o), st);
		if :: st == CLOSED -> closed = 1; break :: else -> skip fi;
		printf("@%d # 7.5 load the wait word\n", t);
		LOAD(t, EN(o), en); LOAD(t, PE(o), pe); LOAD(t, DI(o), di);
		if
		:: en == 1 && (di == 1 || pe == 1) && !blind -> break
		:: else ->
			wa = 0;
#ifdef WAITER
			printf("@%d # 7.5 step 1 store waiting = 1\n", t);
			STORE(t, WA(o), 1);
			printf("@%d # 7.5 step 2 F5\n", t);
			F5(t);
			printf("@%d # 7.5 step 3 load the wait word again\n", t);
			LOAD(t, EN(o), en); LOAD(t, PE(o), pe); LOAD(t, DI(o), di);
			if
			:: en == 1 && (di == 1 || pe == 1) && !blind -> STORE(t, WA(o), 0); break
			:: else -> wa = 1
			fi;
#endif
			FULL(t);                               /* the park's kernel call */
#ifdef EVENT
printf("@%d # 7.5 step 4 park (named event)\n", t);
end_park:		atomic { ev[o] == 1 -> ev[o] = 0; printf("@%d R\n", t) };
#else
			printf("@%d # 7.5 step 4 park (compare-and-wait)\n", t);
			atomic {
				if
				:: mem[EN(o)] == en && mem[PE(o)] == pe && mem[DI(o)] == di && mem[WA(o)] == wa ->
					asleep[o] = 1; printf("@%d P\n", t)
				:: else -> printf("@%d X\n", t)
				fi
			};
end_park:		!asleep[o];
			printf("@%d R\n", t);
#endif
			blind = 0;
#ifdef WAITER
			printf("@%d # 7.5 step 5 store waiting = 0\n", t);
			STORE(t, WA(o), 0);
#endif
			skip
		fi
	od
}

#ifdef BOTH
#define IDLE(o) (seen[o] == echoed)     /* nothing left to echo */
#else
#define IDLE(o) 1
#endif

proctype owner(byte t; byte o) {
	byte en, pe, di, wa, v, rounds, st, k, echoed, other = 1 - o;
	bool more, toggled, closed, blind, wake;
	ENABLE(t, o);
	do
	:: more ->
#ifdef PARK_ON_MORE
		printf("@%d # 7.2 budget spent: wait to be notified\n", t);
		more = 0; blind = 1
#else
		printf("@%d # 7.2 back to the wakeup, not to a wait\n", t);
		WAKEUP(t, o)
#endif
#ifdef BOTH
	:: seen[o] > echoed ->                            /* the echo: signal the other side back */
		echoed = seen[o];
		printf("@%d # data: the shared state R signals about\n", t);
		STORE(t, DATA(other), echoed);
		INJECT(t, other)                               /* (an inline's argument may not name its parameter) */
#endif
#ifdef TOGGLE
	:: !more && IDLE(o) && !toggled ->
		toggled = 1;
		printf("@%d # 7.4 disable: store enabled = 0\n", t);
		STORE(t, EN(o), 0);
		ENABLE(t, o)
#endif
	:: !more && IDLE(o) ->
		WAIT(t, o);
		blind = 0;
		if :: closed -> WAKEUP(t, o); break :: else -> skip fi;
		WAKEUP(t, o)
	od;
	owner_done[o] = 1
}

#ifdef BOTH
/* Locality 0 of a ping-pong: injects into 1, then serves its own record until the
 * echo of that round arrives; one thread, one store buffer, both roles. */
proctype pinger(byte t) {
	byte i = 1, en, pe, di, wa, v, rounds, st, k;
	bool more, closed, blind, wake;
	ENABLE(t, 0);
	do
	:: i <= N ->
		printf("@%d # data: the shared state R signals about\n", t);
		STORE(t, DATA(1), i);
		INJECT(t, 1);
		do
		:: seen[0] >= i -> break
		:: seen[0] < i && more -> WAKEUP(t, 0)
		:: seen[0] < i && !more -> WAIT(t, 0); WAKEUP(t, 0)
		od;
		i++
	:: else -> break
	od;
	remote_done[1] = 1; remote_done[0] = 1
}
#endif

/* ------------------------------------------------------------------ properties */

/* No lost wake-up: when nothing can move any more (every remote done, every buffer
 * drained, every owner parked or gone), each owner's notifier has read the last
 * value its remote wrote, and no owner sleeps on work: dirty and pending are 0 (a
 * pending left at 1 would suppress every later notification).  With CLOSE, every
 * owner has seen the close and left. */
#define SETTLED(o) (remote_done[o] && seen[o] == N && mem[DI(o)] == 0 && mem[PE(o)] == 0)

init {
	mem[STATE(0)] = 1; mem[STATE(1)] = 1;              /* both attached */
	atomic {
		run flusher(0); run flusher(1);
#ifdef BOTH
		run pinger(0);
#else
		run remote(0, 1);
#endif
		run owner(1, 1)
	}
	timeout ->
#ifdef CLOSE
	assert(owner_done[1] && seen[1] == N);
#ifdef BOTH
	assert(owner_done[0] && seen[0] == N);
#endif
#else
	assert(SETTLED(1));
#ifdef BOTH
	assert(seen[0] == N);    /* the pinger got every echo (it left, so its flags may stay set) */
#endif
#endif
	skip
}
