/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_guard.c - the truncation guard (docs/spec.md section 9, "A file that
 * shrinks").
 *
 * A peer that shrinks the file under a shared mapping turns every access past the
 * new end into SIGBUS, which would kill this process (Windows refuses to shrink a
 * mapped file, so this is POSIX only).  While a mapping is guarded, a SIGBUS that
 * the kernel raises with si_code BUS_ADRERR (an access past the end of a file) for
 * an address inside it is answered by mapping a private zero page over the faulting
 * page: the access completes, and the mapping's `fired` flag is set, so that every
 * channel of that mapping reports MAPPING_TOO_SMALL from then on, even if the file
 * grows back (the zero page is private: the peer would never see our writes again).
 * Any other SIGBUS (a hardware memory error, one sent with kill, one outside every
 * guarded mapping) goes to the handler installed before ours.
 *
 * The slot table grows in blocks that are never freed, so the handler walks it
 * without a lock and any number of mappings can be guarded.  Each slot counts the
 * handlers inside it; shm_signal_unguard() retires the slot and then waits until
 * none is, so a handler never maps its zero page over a range that was unmapped
 * (and perhaps reused for something else) meanwhile.
 *
 * What this relies on: mmap() called from a signal handler (a plain system call on
 * Linux and macOS, though POSIX does not list it as async-signal-safe), and the
 * kernel reporting an access to a truncated file mapping as BUS_ADRERR.
 */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* MAP_ANONYMOUS, BUS_ADRERR, SA_NODEFER under -std=c11 */
#endif

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "shm_signal_engine.h"

#if !defined(_WIN32)

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif

enum { SLOT_FREE, SLOT_FILLING, SLOT_ACTIVE, SLOT_RETIRING };
#define SLOTS_PER_BLOCK 64

struct guard_slot {
	atomic_int state;
	atomic_int busy; /* handlers between their match and their return */
	_Atomic uintptr_t base;
	_Atomic uintptr_t len;
	_Atomic uintptr_t fired; /* a uint32_t * of the caller's, or 0 */
};

struct guard_block {
	struct guard_slot slot[SLOTS_PER_BLOCK];
	_Atomic uintptr_t next; /* struct guard_block *; appended, never freed */
};

static struct guard_block first_block;
static _Atomic unsigned long fault_count;
static atomic_int install_state; /* 0 none, 1 installing, 2 installed, 3 failed */
static struct sigaction prev_action;
static uintptr_t page_size;

static struct guard_block *next_block(const struct guard_block *b)
{
	return (struct guard_block *)atomic_load(&b->next);
}

/* Map a zero page over the fault if `a` lies in an active slot; 1 if done. */
static int answer(uintptr_t a)
{
	struct guard_block *b;
	for (b = &first_block; b; b = next_block(b)) {
		unsigned i;
		for (i = 0; i < SLOTS_PER_BLOCK; i++) {
			struct guard_slot *s = &b->slot[i];
			uintptr_t base = atomic_load(&s->base);
			int done = 0;
			if (atomic_load(&s->state) != SLOT_ACTIVE || a - base >= atomic_load(&s->len))
				continue;
			/* busy, then state again: unguard stores state, then reads busy (both
			 * seq_cst), so either it waits for us or we see it retiring. */
			atomic_fetch_add(&s->busy, 1);
			if (atomic_load(&s->state) == SLOT_ACTIVE && atomic_load(&s->base) == base) {
				void *page = (void *)(a & ~(page_size - 1));
				if (mmap(page, (size_t)page_size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
					uintptr_t fired = atomic_load(&s->fired);
					if (fired)
						atomic_store((_Atomic uint32_t *)fired, 1u);
					atomic_fetch_add(&fault_count, 1);
					done = 1;
				}
			}
			atomic_fetch_sub(&s->busy, 1);
			if (done)
				return 1;
		}
	}
	return 0;
}

static void handler(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code == BUS_ADRERR && answer((uintptr_t)si->si_addr))
		return; /* the access runs again, on the zero page */
	if (prev_action.sa_flags & SA_SIGINFO) {
		prev_action.sa_sigaction(sig, si, uc);
	} else if (prev_action.sa_handler != SIG_DFL && prev_action.sa_handler != SIG_IGN) {
		prev_action.sa_handler(sig);
	} else {
		signal(sig, SIG_DFL); /* a fault repeats on return and the default action ends us */
		if (si->si_code <= 0)
			raise(sig); /* sent, not a fault: send it again, to the default action */
	}
}

static int install(void)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&install_state, &expected, 1)) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = handler;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
		atomic_store(&install_state, sigaction(SIGBUS, &sa, &prev_action) == 0 ? 2 : 3);
	}
	while (atomic_load(&install_state) == 1)
		sched_yield(); /* another thread is installing it */
	return atomic_load(&install_state) == 2 ? 0 : -1;
}

/* A free slot, claimed (state FILLING); NULL only when memory runs out. */
static struct guard_slot *claim(void)
{
	struct guard_block *b = &first_block;
	for (;;) {
		unsigned i;
		struct guard_block *fresh;
		uintptr_t none = 0;
		for (i = 0; i < SLOTS_PER_BLOCK; i++) {
			int free_state = SLOT_FREE;
			if (atomic_compare_exchange_strong(&b->slot[i].state, &free_state, SLOT_FILLING))
				return &b->slot[i];
		}
		if (next_block(b)) {
			b = next_block(b);
			continue;
		}
		fresh = (struct guard_block *)calloc(1, sizeof *fresh);
		if (!fresh)
			return NULL;
		if (!atomic_compare_exchange_strong(&b->next, &none, (uintptr_t)fresh))
			free(fresh); /* another thread appended one first: use that */
		b = next_block(b);
	}
}

int shm_signal_guard(void *base, uint64_t len, uint32_t *fired)
{
	struct guard_slot *s;
	if (!base || len == 0 || len > UINTPTR_MAX || install() != 0)
		return -1;
	s = claim();
	if (!s)
		return -1;
	atomic_store(&s->base, (uintptr_t)base);
	atomic_store(&s->len, (uintptr_t)len);
	atomic_store(&s->fired, (uintptr_t)fired);
	atomic_store(&s->state, SLOT_ACTIVE);
	return 0;
}

void shm_signal_unguard(void *base)
{
	struct guard_block *b;
	if (!base)
		return;
	for (b = &first_block; b; b = next_block(b)) {
		unsigned i;
		for (i = 0; i < SLOTS_PER_BLOCK; i++) {
			struct guard_slot *s = &b->slot[i];
			int active = SLOT_ACTIVE;
			if (atomic_load(&s->base) != (uintptr_t)base ||
			    !atomic_compare_exchange_strong(&s->state, &active, SLOT_RETIRING))
				continue;
			while (atomic_load(&s->busy) != 0)
				sched_yield(); /* a handler is mapping its zero page: let it finish */
			atomic_store(&s->fired, 0);
			atomic_store(&s->len, 0);
			atomic_store(&s->base, 0);
			atomic_store(&s->state, SLOT_FREE);
			return;
		}
	}
}

unsigned long shm_signal_guard_faults(void)
{
	return atomic_load(&fault_count);
}

#else /* _WIN32: a mapped file cannot shrink */

int shm_signal_guard(void *base, uint64_t len, uint32_t *fired)
{
	(void)base;
	(void)len;
	(void)fired;
	return 0;
}

void shm_signal_unguard(void *base)
{
	(void)base;
}

unsigned long shm_signal_guard_faults(void)
{
	return 0;
}

#endif
