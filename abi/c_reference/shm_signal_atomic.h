/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_atomic.h - memory-ordering primitives exported by libshm_signal for
 * peers that cannot fence on their own (the Python engine uses them via ctypes).
 */
#ifndef SHM_SIGNAL_ATOMIC_H
#define SHM_SIGNAL_ATOMIC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SHM_SIGNAL_API __declspec(dllexport)
#else
#define SHM_SIGNAL_API __attribute__((visibility("default")))
#endif

/* A full (seq_cst) fence. */
SHM_SIGNAL_API void shm_signal_fence(void);

/* Load the 4-byte-aligned wait word at `word`; returned with enabled in bits 0-7,
 * pending in 8-15, dirty in 16-23 on every host. */
SHM_SIGNAL_API uint32_t shm_signal_load_word(const void *word);

/* Release fence; store `value` to the flag byte at `flag`; full fence; return the
 * wait word at `word` as shm_signal_load_word does.  One store-then-load point. */
SHM_SIGNAL_API uint32_t shm_signal_store_fence_load(void *flag, uint8_t value, const void *word);

#ifdef __cplusplus
}
#endif

#endif /* SHM_SIGNAL_ATOMIC_H */
