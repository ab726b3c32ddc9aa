/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_atomic.c - memory-ordering primitives for peers written in languages
 * that cannot fence on their own (the Python engine calls these through ctypes).
 *
 * Each store-then-load point of the protocol (docs/spec.md section 7) is one call:
 * release fence (F0), store one flag byte, full fence (F1..F4), load the 32-bit wait
 * word.  Doing the whole sequence in one call costs one foreign call instead of three.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "shm_signal_atomic.h"

void shm_signal_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

uint32_t shm_signal_load_word(const void *word)
{
	/* One 32-bit load, so the three flags are read at one instant; returned in the
	 * ABI's byte order (enabled in bits 0-7, pending 8-15, dirty 16-23). */
	uint32_t w = atomic_load_explicit((const _Atomic uint32_t *)word, memory_order_relaxed);
	unsigned char b[4];
	memcpy(b, &w, sizeof b);
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

uint32_t shm_signal_store_fence_load(void *flag, uint8_t value, const void *word)
{
	atomic_thread_fence(memory_order_release); /* F0: earlier writes before the flag */
	atomic_store_explicit((_Atomic uint8_t *)flag, value, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst); /* the store-then-load fence */
	return shm_signal_load_word(word);
}
