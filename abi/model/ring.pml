/*
 * ring.pml - the message ring's ordering (docs/spec.md 15.3 and 15.4), for SPIN.
 *
 * One producer P and one consumer C share a ring of CAP records, each record one
 * payload byte, and the two indices, counted modulo IDX = 2 * CAP (so they wrap, as
 * the spec's 32-bit indices do): the record format is the golden vectors' and the
 * fuzzer's business; this model is about which store a side may see when.
 *
 * P sends N messages, the values 1..N: step 1 loads tail (then the acquire, free
 * here: loads are never reordered with each other), step 3 finds room, step 4 stores
 * the payload, a release fence (R15-5), the new head.  C receives N: step 1 loads
 * head, step 2 loads the record, step 3 a release fence (R15-8), the new tail.  A
 * side that finds the ring full or empty waits until the other index moves: the
 * wake-up itself (15.3 step 5, 15.4 step 4) is section 7's, proved in shm_signal.pml.
 *
 * Memory models, as in shm_signal.pml: SC (default); TSO, a FIFO store buffer per
 * thread; PSO, stores to different bytes may commit out of order unless a release
 * fence separates them.  WEAK is PSO in which, besides, C's load of a record may be
 * satisfied as late as C's next fence (a load->store reordering, as ARM and POWER
 * allow): the only reordering R15-8's fence is there to stop.
 *
 * Properties: C receives 1, 2, .., N in order, each exactly once and never a value
 * P has not written there yet or has written over (assert in C); P never has more
 * than CAP records in use (assert in P); both finish (end states).  Mistakes, each a
 * counterexample in the weakest model that needs the rule: NO_REL_HEAD (no fence
 * between the payload and head: PSO), NO_REL_TAIL (no fence between the record's
 * load and tail: WEAK), NO_ROOM_CHECK (P does not check the room: SC).
 */

#ifndef N
#define N 5
#endif
#define CAP 2
#define IDX 4           /* indices count modulo 2 * CAP */
#define SB 3            /* store buffer entries per thread: more than any step stores before a fence */
#define NT 2            /* thread 0: P, thread 1: C */
#ifdef WEAK
#define PSO
#endif

/* bytes: head, tail, then the CAP records */
#define HEAD 0
#define TAIL 1
#define REC(i) (2 + (i))
#define NADDR (2 + CAP)

byte mem[NADDR];
byte sb_a[NT * SB];
byte sb_v[NT * SB];
byte sb_e[NT * SB];
byte sb_n[NT];
byte ep[NT];
byte got;               /* ghost: messages C received */

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
		printf("@%d L %d %d\n", t, a, dst);
		k = 0
	}
}
#ifdef PSO
inline RELEASE(t) { d_step { if :: sb_n[t] > 0 -> ep[t]++ :: else -> skip fi } }
#else
inline RELEASE(t) { skip }
#endif
#else
inline STORE(t, a, v) { d_step { mem[a] = v; printf("@%d S %d %d\n", t, a, v) } }
inline LOAD(t, a, dst) { d_step { dst = mem[a]; printf("@%d L %d %d\n", t, a, dst) } }
inline RELEASE(t) { skip }
#endif

#ifdef PSO
/* entry i may commit: it is in the oldest release epoch and no older store to its byte is buffered */
#define SAME(t, i, j) (sb_a[t * SB + i] == sb_a[t * SB + j])
#define ELIG(t, i) (i < sb_n[t] && sb_e[t * SB + i] == sb_e[t * SB] && \
	!(i > 0 && SAME(t, i, 0)) && !(i > 1 && SAME(t, i, 1)))
#endif

/* commits thread t's buffered stores to memory, one at a time, whenever it likes */
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
		sb_a[t * SB + sb_n[t]] = 0; sb_v[t * SB + sb_n[t]] = 0; sb_e[t * SB + sb_n[t]] = 0;
		if :: sb_n[t] == 0 -> ep[t] = 0 :: else -> skip fi;
		i = 0; j = 0
	}
	od
}

proctype producer() {
	byte head = 0, tail, i = 1;
	byte k;  /* LOAD's own */
	do
	:: i > N -> break
	:: else ->
		printf("@0 # 15.3 step 1: load tail\n");
		LOAD(0, TAIL, tail);
#ifndef NO_ROOM_CHECK
		if
		:: (head + IDX - tail) % IDX >= CAP ->   /* step 3: full; wait for the consumer */
			printf("@0 # 15.3 step 3: full, wait for tail to move\n");
			(mem[TAIL] != tail);
			goto again
		:: else -> skip
		fi;
#endif
		assert((head + IDX - tail) % IDX < CAP);  /* room for the record */
		printf("@0 # 15.3 step 4: payload %d\n", i);
		STORE(0, REC(head % CAP), i);
#ifndef NO_REL_HEAD
		RELEASE(0);
#endif
		head = (head + 1) % IDX;
		STORE(0, HEAD, head);
		i++;
again:		skip
	od
}

proctype consumer() {
	byte tail = 0, head, v, k, at;  /* k: LOAD's own; at: the record being received */
	byte want = 1;
#ifdef WEAK
	bool late;
#endif
	do
	:: want > N -> break
	:: else ->
		printf("@1 # 15.4 step 1: load head\n");
		LOAD(1, HEAD, head);
		if
		:: head == tail ->
			printf("@1 # empty: wait for head to move\n");
			(mem[HEAD] != head)
		:: else ->
			printf("@1 # 15.4 step 2: load record %d\n", tail % CAP);
#ifdef WEAK
			/* the load may be satisfied now, or after the tail store (up to the
			 * next fence: the release fence satisfies it first) */
			if
			:: LOAD(1, REC(tail % CAP), v); late = false
			:: late = true
			fi;
#ifndef NO_REL_TAIL
			if
			:: late -> LOAD(1, REC(tail % CAP), v); late = false
			:: else -> skip
			fi;
#endif
#else
			LOAD(1, REC(tail % CAP), v);
#endif
#ifndef NO_REL_TAIL
			RELEASE(1);
#endif
			at = tail;
			tail = (tail + 1) % IDX;
			printf("@1 # 15.4 step 3: tail = %d\n", tail);
			STORE(1, TAIL, tail);
#ifdef WEAK
			if
			:: late -> LOAD(1, REC(at % CAP), v)
			:: else -> skip
			fi;
#endif
			assert(v == want);  /* in order, once, neither stale nor overwritten */
			want++;
			got++
		fi
	od
}

init {
	atomic {
#if defined(TSO) || defined(PSO)
		run flusher(0);
		run flusher(1);
#endif
		run producer();
		run consumer()
	}
}
