/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_file.h - internal to libshm_signal: the per-process file registry
 * (shm_signal_file.c; docs/spec.md sections 5 and 9, "Locks within one process").
 *
 * All channels of one file in one process share one open file (one fd / HANDLE) and
 * the mappings made of it; the registry also keeps the table of the liveness bytes
 * this process holds.  Not part of the API: nothing here is exported.
 */
#ifndef SHM_SIGNAL_FILE_H
#define SHM_SIGNAL_FILE_H

#include <stdint.h>

#include "shm_signal_engine.h"

struct shm_signal_file;

/* One mapping of a whole file, from offset 0, shared by the channels that use it.
 * The first three members are for the engine to read; the rest is the registry's. */
struct shm_signal_map {
	unsigned char *base;
	uint64_t len;
	uint32_t fired; /* set by the truncation guard; once set, never cleared */
	uint32_t refs;
	struct shm_signal_map *next;
	struct shm_signal_file *file;
#if defined(_WIN32)
	void *section; /* HANDLE of CreateFileMapping */
#endif
};

/* Errors, formatted as the engine does (defined in shm_signal_error.c). */
int shm_signal_err_set(struct shm_signal_error *err, int code, const char *field, int64_t offset,
		       const char *expected, const char *actual, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 7, 8)))
#endif
	;
int shm_signal_err_sys(struct shm_signal_error *err, const char *what);

/*
 * Open `path` for a channel: with `create`, create it (mode `mode`; exclusively unless
 * `exist_ok`).  Never follows a symbolic link at the last component (E_SYSTEM,
 * sys_errno ELOOP; Windows: a reparse point), refuses anything but a regular file
 * (E_ARG).  Returns 0 and a counted reference, 1 when the file does not exist (not
 * with create), E_EXISTS, or an error.  A file this process has open already (same
 * device and inode; Windows: volume serial and file index) is shared.
 */
int shm_signal_file_open(struct shm_signal_file **out, const char *path, int create, int exist_ok,
			 uint32_t mode, struct shm_signal_error *err);
void shm_signal_file_release(struct shm_signal_file *f);

int shm_signal_file_size(struct shm_signal_file *f, uint64_t *len, struct shm_signal_error *err);
/* Make the file at least `len` bytes long (never shorter). */
int shm_signal_file_grow(struct shm_signal_file *f, uint64_t len, struct shm_signal_error *err);

/*
 * A mapping that covers [0, need): the newest mapping of the file if it is long
 * enough and its guard never fired, else a new mapping of the file's current size
 * (guarded once).  MAPPING_TOO_SMALL when the file is shorter than `need`.
 */
int shm_signal_file_map(struct shm_signal_file *f, uint64_t need, struct shm_signal_map **out,
			struct shm_signal_error *err);
void shm_signal_map_release(struct shm_signal_map *m);

/* Liveness bytes (spec 9) at absolute file offset `off` (<= INT64_MAX).
 * lock: 0 taken, 1 held by another open file or already by this process, else an
 * error.  held: 1 when held by this process or another open file, 0 when free; a
 * probe never takes a lock except on Windows, and there only for a byte this process
 * does not hold. */
int shm_signal_file_lock(struct shm_signal_file *f, uint64_t off, struct shm_signal_error *err);
void shm_signal_file_unlock(struct shm_signal_file *f, uint64_t off);
int shm_signal_file_lock_held(struct shm_signal_file *f, uint64_t off);

#endif /* SHM_SIGNAL_FILE_H */
