/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_file.c - the per-process file registry of the C engine (docs/spec.md
 * section 5, and section 9 "Locks within one process").
 *
 * The OS does not make two users of one lock owner conflict: OFD locks belong to the
 * open file, classic fcntl locks to the process (and closing *any* descriptor of the
 * file drops all of the process's locks on it), LockFileEx locks to the handle.  So
 * all channels of one file in this process share one open file and the mappings made
 * of it, and a table of the liveness bytes this process holds stands in for the
 * conflicts the OS does not see: a byte in the table is held by a live owner.
 *
 * A file is identified by device and inode (Windows: volume serial and file index);
 * while this process holds it open, the identity cannot be reused by another file.
 * A forked child does not inherit the parent's entries (they name the parent's open
 * files and locks): each entry remembers the process that made it.
 *
 * One mutex guards everything here; nothing here is on a signalling fast path.
 * Over 600 lines because each operation's POSIX and Windows halves sit side by side
 * around the registry code they share; splitting it by OS is left for later.
 * -DSHM_SIGNAL_CLASSIC_LOCKS forces classic F_SETLK / F_GETLK where OFD locks exist,
 * so that the semantics of macOS and the BSDs are tested on Linux too.
 */
#if !defined(_WIN32) && !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64 /* liveness bytes lie above 2^40 */
#endif
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* F_OFD_SETLK, O_NOFOLLOW, O_CLOEXEC under -std=c11 */
#endif
#if defined(_WIN32) && (!defined(_WIN32_WINNT) || _WIN32_WINNT < 0x0600)
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0600 /* SRWLOCK */
#endif

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "shm_signal_file.h"

#if !defined(_WIN32)
#if defined(F_OFD_SETLK) && defined(F_OFD_GETLK) && !defined(SHM_SIGNAL_CLASSIC_LOCKS)
#define LOCK_SET F_OFD_SETLK
#define LOCK_GET F_OFD_GETLK
#define LOCKS_PER_PROCESS 0
#else
#define LOCK_SET F_SETLK
#define LOCK_GET F_GETLK
#define LOCKS_PER_PROCESS 1 /* closing any fd of the file drops all our locks on it */
#endif
#ifndef O_NOFOLLOW
#error "O_NOFOLLOW is required: a symbolic link must never be followed (docs/spec.md 6.1)"
#endif
#endif

struct shm_signal_file {
	struct shm_signal_file *next;
	uint32_t refs; /* channels, and mappings */
	uint64_t id[3];
#if defined(_WIN32)
	HANDLE h;
#else
	int fd;
	pid_t pid;
	int *spare; /* classic locks: other fds of this file, kept open until the last user goes */
	size_t nspare;
#endif
	struct shm_signal_map *maps; /* newest first */
	uint64_t *held;              /* liveness bytes this process holds */
	size_t nheld, capheld;
};

static struct shm_signal_file *registry;

#if defined(_WIN32)
static SRWLOCK registry_lock = SRWLOCK_INIT;
static void reg_lock(void)
{
	AcquireSRWLockExclusive(&registry_lock);
}
static void reg_unlock(void)
{
	ReleaseSRWLockExclusive(&registry_lock);
}
#else
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static void reg_lock(void)
{
	pthread_mutex_lock(&registry_lock);
}
static void reg_unlock(void)
{
	pthread_mutex_unlock(&registry_lock);
}
#endif

/* Under the lock. */
static struct shm_signal_file *find(const uint64_t id[3])
{
	struct shm_signal_file *f;
	for (f = registry; f; f = f->next) {
#if !defined(_WIN32)
		if (f->pid != getpid())
			continue; /* inherited through fork: the parent's */
#endif
		if (f->id[0] == id[0] && f->id[1] == id[1] && f->id[2] == id[2])
			return f;
	}
	return NULL;
}

/* Under the lock: drop one reference; returns the entry if it must be freed. */
static struct shm_signal_file *unref(struct shm_signal_file *f)
{
	struct shm_signal_file **p;
	if (--f->refs)
		return NULL;
	for (p = &registry; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	return f;
}

static void destroy(struct shm_signal_file *f)
{
	if (!f)
		return;
#if defined(_WIN32)
	CloseHandle(f->h); /* also drops any lock still held through it */
#else
	{
		size_t i;
		for (i = 0; i < f->nspare; i++)
			close(f->spare[i]);
		free(f->spare);
	}
	close(f->fd);
#endif
	free(f->held);
	free(f);
}

#if defined(_WIN32)

int shm_signal_file_open(struct shm_signal_file **out, const char *path, int create, int exist_ok,
			 uint32_t mode, struct shm_signal_error *err)
{
	DWORD disp = create ? (exist_ok ? OPEN_ALWAYS : CREATE_NEW) : OPEN_EXISTING;
	BY_HANDLE_FILE_INFORMATION info;
	struct shm_signal_file *f;
	uint64_t id[3];
	HANDLE h;
	(void)mode;
	*out = NULL;
	/* FILE_FLAG_OPEN_REPARSE_POINT: open a symbolic link (or junction) itself, to refuse it */
	h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE,
			FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, disp,
			FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();
		if (!create && (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND))
			return 1;
		if (create && (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS))
			return shm_signal_err_set(err, SHM_SIGNAL_E_EXISTS, "path", -1, NULL, path,
						  "%s exists (pass exist_ok to reuse it)", path);
		return shm_signal_err_sys(err, "CreateFileA");
	}
	if (!GetFileInformationByHandle(h, &info)) {
		int rc = shm_signal_err_sys(err, "GetFileInformationByHandle");
		CloseHandle(h);
		return rc;
	}
	if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
		CloseHandle(h);
		shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, "path", -1, "a regular file", "a reparse point",
				   "%s is a symbolic link or reparse point: refused, never followed "
				   "(os error %d)", path, (int)ERROR_CANT_RESOLVE_FILENAME);
		if (err)
			err->sys_errno = (int)ERROR_CANT_RESOLVE_FILENAME;
		return SHM_SIGNAL_E_SYSTEM;
	}
	if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || GetFileType(h) != FILE_TYPE_DISK) {
		CloseHandle(h);
		return shm_signal_err_set(err, SHM_SIGNAL_E_ARG, "path", -1, "a regular file", "another kind",
					  "%s is not a regular file", path);
	}
	id[0] = info.dwVolumeSerialNumber;
	id[1] = info.nFileIndexHigh;
	id[2] = info.nFileIndexLow;
	reg_lock();
	f = find(id);
	if (f) {
		f->refs++;
		reg_unlock();
		CloseHandle(h); /* LockFileEx locks belong to their handle: ours stay */
		*out = f;
		return 0;
	}
	f = (struct shm_signal_file *)calloc(1, sizeof *f);
	if (!f) {
		reg_unlock();
		CloseHandle(h);
		return shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
	}
	memcpy(f->id, id, sizeof id);
	f->h = h;
	f->refs = 1;
	f->next = registry;
	registry = f;
	reg_unlock();
	*out = f;
	return 0;
}

#else

/* Refuse what is not a regular file; `path` for the message. */
static int check_type(const struct stat *st, const char *path, struct shm_signal_error *err)
{
	if (S_ISLNK(st->st_mode)) {
		shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, "path", -1, "a regular file", "a symbolic link",
				   "%s is a symbolic link: refused, never followed (O_NOFOLLOW; os error %d)",
				   path, ELOOP);
		if (err)
			err->sys_errno = ELOOP;
		return SHM_SIGNAL_E_SYSTEM;
	}
	if (!S_ISREG(st->st_mode))
		return shm_signal_err_set(err, SHM_SIGNAL_E_ARG, "path", -1, "a regular file",
					  S_ISDIR(st->st_mode) ? "a directory" : "another kind of file",
					  "%s is not a regular file", path);
	return 0;
}

static void file_id(const struct stat *st, uint64_t id[3])
{
	id[0] = (uint64_t)st->st_dev;
	id[1] = (uint64_t)st->st_ino;
	id[2] = 0;
}

int shm_signal_file_open(struct shm_signal_file **out, const char *path, int create, int exist_ok,
			 uint32_t mode, struct shm_signal_error *err)
{
	struct stat st;
	struct shm_signal_file *f;
	uint64_t id[3];
	int fd, flags;
	*out = NULL;
	/* A file this process has open already is found without opening it again: with
	 * classic locks, closing a second descriptor would drop the locks of the first. */
	if (!create || exist_ok) {
		if (lstat(path, &st) == 0) {
			int rc = check_type(&st, path, err);
			if (rc)
				return rc;
			file_id(&st, id);
			reg_lock();
			f = find(id);
			if (f) {
				f->refs++;
				reg_unlock();
				*out = f;
				return 0;
			}
			reg_unlock();
		} else if (errno != ENOENT) {
			return shm_signal_err_sys(err, "lstat");
		} else if (!create) {
			return 1;
		}
	}
	/* O_NONBLOCK: a FIFO swapped in since the lstat must not block the open */
	flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	if (create)
		flags |= O_CREAT | (exist_ok ? 0 : O_EXCL);
	fd = open(path, flags, (mode_t)mode);
	if (fd < 0) {
		if (!create && errno == ENOENT)
			return 1;
		if (create && !exist_ok && errno == EEXIST)
			return shm_signal_err_set(err, SHM_SIGNAL_E_EXISTS, "path", -1, NULL, path,
						  "%s exists (pass exist_ok to reuse it)", path);
		if (errno == ELOOP || errno == EMLINK) { /* EMLINK: FreeBSD's O_NOFOLLOW answer */
			st.st_mode = S_IFLNK;
			return check_type(&st, path, err);
		}
		return shm_signal_err_sys(err, "open");
	}
	if (fstat(fd, &st) != 0) {
		int rc = shm_signal_err_sys(err, "fstat");
		close(fd);
		return rc;
	}
	{
		int rc = check_type(&st, path, err);
		if (rc) {
			close(fd);
			return rc;
		}
	}
	file_id(&st, id);
	reg_lock();
	f = find(id);
	if (f) { /* opened meanwhile by another thread, or the path now names it */
		f->refs++;
#if LOCKS_PER_PROCESS
		{
			/* out of memory: the fd stays open for good rather than drop our locks */
			int *more = (int *)realloc(f->spare, (f->nspare + 1) * sizeof *more);
			if (more) {
				f->spare = more;
				f->spare[f->nspare++] = fd;
			}
		}
#else
		close(fd); /* OFD locks belong to the other open file: nothing dropped */
#endif
		reg_unlock();
		*out = f;
		return 0;
	}
	f = (struct shm_signal_file *)calloc(1, sizeof *f);
	if (!f) {
		reg_unlock();
		close(fd);
		return shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
	}
	memcpy(f->id, id, sizeof id);
	f->fd = fd;
	f->pid = getpid();
	f->refs = 1;
	f->next = registry;
	registry = f;
	reg_unlock();
	*out = f;
	return 0;
}

#endif

void shm_signal_file_release(struct shm_signal_file *f)
{
	struct shm_signal_file *dead;
	if (!f)
		return;
	reg_lock();
	dead = unref(f);
	reg_unlock();
	destroy(dead);
}

/* Under the lock, or on an entry only this thread can reach. */
static int size_of(struct shm_signal_file *f, uint64_t *len, struct shm_signal_error *err)
{
#if defined(_WIN32)
	LARGE_INTEGER sz;
	if (!GetFileSizeEx(f->h, &sz))
		return shm_signal_err_sys(err, "GetFileSizeEx");
	*len = (uint64_t)sz.QuadPart;
#else
	struct stat st;
	if (fstat(f->fd, &st) != 0)
		return shm_signal_err_sys(err, "fstat");
	*len = (uint64_t)st.st_size;
#endif
	return 0;
}

int shm_signal_file_size(struct shm_signal_file *f, uint64_t *len, struct shm_signal_error *err)
{
	int rc;
	reg_lock();
	rc = size_of(f, len, err);
	reg_unlock();
	return rc;
}

int shm_signal_file_grow(struct shm_signal_file *f, uint64_t len, struct shm_signal_error *err)
{
	uint64_t cur = 0;
	int rc;
	reg_lock();
	rc = size_of(f, &cur, err);
	if (!rc && cur < len) {
#if defined(_WIN32)
		LARGE_INTEGER pos;
		pos.QuadPart = (LONGLONG)len;
		if (!SetFilePointerEx(f->h, pos, NULL, FILE_BEGIN) || !SetEndOfFile(f->h))
			rc = shm_signal_err_sys(err, "SetEndOfFile");
#else
		if (ftruncate(f->fd, (off_t)len) != 0)
			rc = shm_signal_err_sys(err, "ftruncate");
#endif
	}
	reg_unlock();
	return rc;
}

int shm_signal_file_map(struct shm_signal_file *f, uint64_t need, struct shm_signal_map **out,
			struct shm_signal_error *err)
{
	struct shm_signal_map *m;
	uint64_t len = 0;
	int rc;
	*out = NULL;
	reg_lock();
	m = f->maps;
	if (m && m->len >= need &&
	    !atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)&m->fired, memory_order_relaxed)) {
		m->refs++;
		reg_unlock();
		*out = m;
		return 0;
	}
	rc = size_of(f, &len, err);
	if (rc)
		goto out;
	if (len < need || len == 0) {
		rc = shm_signal_err_set(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", -1, NULL,
					NULL, "the file is %llu bytes long, %llu needed",
					(unsigned long long)len, (unsigned long long)need);
		goto out;
	}
	if (len > (uint64_t)SIZE_MAX) {
		rc = shm_signal_err_set(err, SHM_SIGNAL_E_ARG, "mapping length", -1, NULL, NULL,
					"cannot map %llu bytes in this address space",
					(unsigned long long)len);
		goto out;
	}
	m = (struct shm_signal_map *)calloc(1, sizeof *m);
	if (!m) {
		rc = shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
		goto out;
	}
#if defined(_WIN32)
	m->section = CreateFileMappingW(f->h, NULL, PAGE_READWRITE, 0, 0, NULL);
	if (!m->section) {
		rc = shm_signal_err_sys(err, "CreateFileMappingW");
		free(m);
		goto out;
	}
	m->base = (unsigned char *)MapViewOfFile(m->section, FILE_MAP_ALL_ACCESS, 0, 0, (SIZE_T)len);
	if (!m->base) {
		rc = shm_signal_err_sys(err, "MapViewOfFile");
		CloseHandle(m->section);
		free(m);
		goto out;
	}
#else
	{
		void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
		if (p == MAP_FAILED) {
			rc = shm_signal_err_sys(err, "mmap");
			free(m);
			goto out;
		}
		m->base = (unsigned char *)p;
		/* once per mapping; best effort: unguarded, a shrinking peer means SIGBUS */
		shm_signal_guard(p, len, &m->fired);
	}
#endif
	m->len = len;
	m->refs = 1;
	m->file = f;
	f->refs++;
	m->next = f->maps;
	f->maps = m;
	*out = m;
out:
	reg_unlock();
	return rc;
}

void shm_signal_map_release(struct shm_signal_map *m)
{
	struct shm_signal_file *dead = NULL;
	struct shm_signal_map **p;
	if (!m)
		return;
	reg_lock();
	if (--m->refs) {
		reg_unlock();
		return;
	}
	for (p = &m->file->maps; *p; p = &(*p)->next) {
		if (*p == m) {
			*p = m->next;
			break;
		}
	}
	dead = unref(m->file);
	reg_unlock();
#if defined(_WIN32)
	UnmapViewOfFile(m->base);
	CloseHandle(m->section);
#else
	shm_signal_unguard(m->base); /* waits for a handler still answering a fault here */
	munmap(m->base, (size_t)m->len);
#endif
	free(m);
	destroy(dead);
}

/* ------------------------------------------------------------ liveness bytes */

static long held_index(const struct shm_signal_file *f, uint64_t off)
{
	size_t i;
	for (i = 0; i < f->nheld; i++)
		if (f->held[i] == off)
			return (long)i;
	return -1;
}

#if defined(_WIN32)
/* The one byte at `off`, as LockFileEx and UnlockFileEx take it. */
static OVERLAPPED byte_at(uint64_t off)
{
	OVERLAPPED ov;
	memset(&ov, 0, sizeof ov);
	ov.Offset = (DWORD)(off & 0xffffffffu);
	ov.OffsetHigh = (DWORD)(off >> 32);
	return ov;
}
#else
/* The one byte at `off`, as fcntl takes it, for a lock of `type`. */
static struct flock byte_at(short type, uint64_t off)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl); /* l_pid 0: required by F_OFD_SETLK */
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)off;
	fl.l_len = 1;
	return fl;
}
#endif

/* 0 taken, 1 held by another open file, else an error. */
static int os_lock(struct shm_signal_file *f, uint64_t off, struct shm_signal_error *err)
{
#if defined(_WIN32)
	OVERLAPPED ov = byte_at(off);
	(void)err;
	return LockFileEx(f->h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov) ? 0 : 1;
#else
	struct flock fl = byte_at(F_WRLCK, off);
	if (fcntl(f->fd, LOCK_SET, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return 1;
	return shm_signal_err_sys(err, "fcntl(F_SETLK)");
#endif
}

static void os_unlock(struct shm_signal_file *f, uint64_t off)
{
#if defined(_WIN32)
	OVERLAPPED ov = byte_at(off);
	UnlockFileEx(f->h, 0, 1, 0, &ov);
#else
	struct flock fl = byte_at(F_UNLCK, off);
	fcntl(f->fd, LOCK_SET, &fl);
#endif
}

int shm_signal_file_lock(struct shm_signal_file *f, uint64_t off, struct shm_signal_error *err)
{
	int rc;
	if (off > (uint64_t)INT64_MAX)
		return shm_signal_err_set(err, SHM_SIGNAL_E_ARG, "offset", -1, "<= 2^63-1", NULL,
					  "the liveness byte at %llu lies beyond the largest file offset",
					  (unsigned long long)off);
	reg_lock();
	if (held_index(f, off) >= 0) {
		reg_unlock();
		return 1; /* ours already: to the OS, a second take by the same owner succeeds */
	}
	if (f->nheld == f->capheld) {
		size_t cap = f->capheld ? 2 * f->capheld : 8;
		uint64_t *more = (uint64_t *)realloc(f->held, cap * sizeof *more);
		if (!more) {
			reg_unlock();
			return shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
		}
		f->held = more;
		f->capheld = cap;
	}
	rc = os_lock(f, off, err);
	if (rc == 0)
		f->held[f->nheld++] = off;
	reg_unlock();
	return rc;
}

void shm_signal_file_unlock(struct shm_signal_file *f, uint64_t off)
{
	long i;
	reg_lock();
	i = held_index(f, off);
	if (i >= 0) {
		f->held[i] = f->held[--f->nheld];
		os_unlock(f, off);
	}
	reg_unlock();
}

int shm_signal_file_lock_held(struct shm_signal_file *f, uint64_t off)
{
	int held;
	reg_lock();
	if (held_index(f, off) >= 0) {
		held = 1;
	} else {
#if defined(_WIN32)
		/* no probe that takes nothing: take and release, never on a byte of ours */
		held = os_lock(f, off, NULL) != 0;
		if (!held)
			os_unlock(f, off);
#else
		struct flock fl = byte_at(F_WRLCK, off);
		/* F_GETLK takes nothing; a failure never declares a peer dead.  Peers hold
		 * write locks: a read lock (anyone who can read the file may take one) would
		 * have kept the owner's out, so it proves nobody alive. */
		held = fcntl(f->fd, LOCK_GET, &fl) != 0 || fl.l_type == F_WRLCK;
#endif
	}
	reg_unlock();
	return held;
}
