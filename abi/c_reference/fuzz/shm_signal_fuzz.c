/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_fuzz.c - a libFuzzer target for the C engine's descriptor validation
 * (shm_signal_validate) and attach (shm_signal_attach / shm_signal_close).
 *
 * Input: byte 0 picks the descriptor offset, byte 1 the feature set this side
 * supports (pick_features), the rest is the mapping (the whole file).  Each input is
 *  1. validated in memory, from an exact-size heap copy (ASan sees any read past the
 *     mapping), and judged against expect(): spec 6.4 transcribed here on its own, so
 *     a wrong code, a wrong field, a check skipped or run out of order is a failure;
 *     the validator must not write to its input and must give the same answer twice;
 *  2. written to a file and attached to, once (timeout 0): a refused attach reports
 *     the validator's fault (spec 6.3 step 1 validates against the file's length) and
 *     leaves the file as it was; a descriptor the validator accepts is attached to
 *     unless it is a re-attach keeping features not supported here (6.3 step 4,
 *     UNSUPPORTED_FEATURE) or its free record is held by a live peer (LOCALITY_BUSY);
 *     the set it accepts is offered & supported on a first attach and the record's
 *     features_accepted on a re-attach, less GROUP_DOORBELL on a first attach
 *     without WAKE_ADDRESS and WAITER_FLAG or a head offering it (6.3 step 4); a
 *     successful attach writes only features_accepted, its pid and its state (6.3
 *     step 6), and its close only its state and the remote's dirty (spec 9), each
 *     adding 1 to the creator's doorbell in the head when GROUP_DOORBELL is accepted.
 * A broken invariant prints what and abort()s, so libFuzzer saves the input.
 *
 * Build and run: make fuzz / make fuzz-run (Makefile), see fuzz/README.md.
 * The attach file is $SHM_SIGNAL_FUZZ_DIR, else $TMPDIR, else /dev/shm, else /tmp,
 * /shm_signal_fuzz.<pid>: one per process, rewritten for every input.
 */
#define _GNU_SOURCE /* pread, ftruncate, O_CLOEXEC with -std=c11 */
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm_signal_engine.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER 2
#define ATTACH_PID 0x0f1e2d3cu /* distinct bytes: a store of it always shows */
#define UNKNOWN_FEATURE (UINT64_C(1) << 40)
/* Offsets from here up are refused as arguments by attach (E_ARG): the liveness bytes
 * at 2^40 + offset must lie below 2^63 (shm_signal_engine.h, create). */
#define ATTACH_OFFSET_LIMIT ((uint64_t)INT64_MAX - SHM_SIGNAL_LOCK_BASE - SHM_SIGNAL_DESC_SIZE)

static char path[PATH_MAX];
static int fd = -1;

static void remove_file(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (path[0])
		unlink(path);
}

/* abort(): libFuzzer reports the input as a crash and saves it (atexit handlers do
 * not run, hence the unlink) */
static void fail(const char *what)
{
	fprintf(stderr, "shm_signal_fuzz: INVARIANT BROKEN: %s\n", what);
	remove_file();
	abort();
}

#define CHECK(cond, what)             \
	do {                          \
		if (!(cond))          \
			fail(what);   \
	} while (0)

/* ------------------------------------------------ spec 6.4, transcribed */

struct verdict {
	int code;
	char field[40];
	int64_t offset; /* descriptor offset of field; -1 when not representable */
};

static int judge(struct verdict *v, int code, int64_t offset, const char *fmt, unsigned a, unsigned b)
{
	v->code = code;
	v->offset = offset;
	snprintf(v->field, sizeof v->field, fmt, a, b);
	return code;
}

static uint32_t le32(const uint8_t *p)
{
	return shm_signal_load_le32(p);
}

static uint64_t le64(const uint8_t *p)
{
	return shm_signal_load_le64(p);
}

/* The first rule of spec 6.4 that the `len` bytes at `m` break with a descriptor at
 * `off`, as a peer implementing `supported` sees them: its code, field and offset. */
static int expect(struct verdict *v, const uint8_t *m, uint64_t len, uint64_t off, uint64_t supported)
{
	static const char *const flag[3] = {"enabled", "pending", "dirty"};
	int64_t at = off > (uint64_t)INT64_MAX ? -1 : (int64_t)off;
	const uint8_t *d;
	uint64_t offered, required, accepted;
	uint32_t magic, size, creator, l, i;
	int zero_id = 1;

	if (off % 64)
		return judge(v, SHM_SIGNAL_FAULT_BAD_OFFSET, at, "offset", 0, 0);
	if (off > len || len - off < 192)
		return judge(v, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, at, "mapping length", 0, 0);
	d = m + off;
	magic = le32(d);
	if (magic == 0xdf39fa58u)
		return judge(v, SHM_SIGNAL_FAULT_BYTE_SWAPPED, 0, "magic", 0, 0);
	if (magic != 0x58fa39dfu)
		return judge(v, SHM_SIGNAL_FAULT_BAD_MAGIC, 0, "magic", 0, 0);
	if (le32(d + 4) != 1)
		return judge(v, SHM_SIGNAL_FAULT_BAD_VERSION, 4, "version", 0, 0);
	size = le32(d + 8);
	if (size < 192 || size % 64)
		return judge(v, SHM_SIGNAL_FAULT_BAD_SIZE, 8, "desc_size", 0, 0);
	/* rule 5, MESSAGE_RINGS (0x40) offered: the descriptor and two rings of 64 data bytes */
	if ((le64(d + 16) & 0x40) && size < 704)
		return judge(v, SHM_SIGNAL_FAULT_BAD_SIZE, 8, "desc_size", 0, 0);
	if (len - off < size)
		return judge(v, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, at, "mapping length", 0, 0);
	creator = le32(d + 12);
	if (creator > 1)
		return judge(v, SHM_SIGNAL_FAULT_BAD_LOCALITY, 12, "creator", 0, 0);
	offered = le64(d + 16);
	required = le64(d + 24);
	accepted = le64(d + 32);
	/* rule 8: must-be-zero bytes in memory order; pad0 is a waiting byte with WAITER_FLAG
	 * (0-1, 0-3 with GROUP_DOORBELL too); doorbell a counter with GROUP_DOORBELL */
	if (le64(d + 56))
		return judge(v, SHM_SIGNAL_FAULT_RESERVED_NONZERO, 56, "reserved0", 0, 0);
	for (l = 0; l < 2; l++) {
		const uint8_t *r = d + 64 + 64 * l;
		if (offered & SHM_SIGNAL_F_WAITER_FLAG) {
			if (r[3] > ((offered & SHM_SIGNAL_F_GROUP_DOORBELL) ? 3 : 1))
				return judge(v, SHM_SIGNAL_FAULT_BAD_FLAG, 64 + 64 * l + 3, "irq[%u].pad0", l, 0);
		} else if (r[3]) {
			return judge(v, SHM_SIGNAL_FAULT_RESERVED_NONZERO, 64 + 64 * l + 3, "irq[%u].pad0", l, 0);
		}
		if (le32(r + 12))
			return judge(v, SHM_SIGNAL_FAULT_RESERVED_NONZERO, 64 + 64 * l + 12, "irq[%u].reserved0", l,
				     0);
		if (!(offered & SHM_SIGNAL_F_GROUP_DOORBELL) && le32(r + 24))
			return judge(v, SHM_SIGNAL_FAULT_RESERVED_NONZERO, 64 + 64 * l + 24, "irq[%u].doorbell", l,
				     0);
		if (le32(r + 28))
			return judge(v, SHM_SIGNAL_FAULT_RESERVED_NONZERO, 64 + 64 * l + 28, "irq[%u].reserved2", l,
				     0);
		for (i = 0; i < 4; i++)
			if (le64(r + 32 + 8 * i))
				return judge(v, SHM_SIGNAL_FAULT_RESERVED_NONZERO, 64 + 64 * l + 32 + 8 * i,
					     "irq[%u].reserved3[%u]", l, i);
	}
	for (i = 0; i < 16; i++)
		zero_id &= d[40 + i] == 0;
	if (zero_id)
		return judge(v, SHM_SIGNAL_FAULT_BAD_INSTANCE_ID, 40, "instance_id", 0, 0);
	for (l = 0; l < 2; l++) {
		const uint8_t *r = d + 64 + 64 * l;
		for (i = 0; i < 3; i++)
			if (r[i] > 1) {
				judge(v, SHM_SIGNAL_FAULT_BAD_FLAG, 64 + 64 * l + i, "irq[%u].", l, 0);
				strncat(v->field, flag[i], sizeof v->field - strlen(v->field) - 1);
				return v->code;
			}
		if (le32(r + 4) > 2)
			return judge(v, SHM_SIGNAL_FAULT_BAD_STATE, 64 + 64 * l + 4, "irq[%u].state", l, 0);
	}
	if (le32(d + 64 + 64 * creator + 4) == 0)
		return judge(v, SHM_SIGNAL_FAULT_BAD_STATE, 64 + 64 * creator + 4, "irq[%u].state", creator, 0);
	if (required & ~offered)
		return judge(v, SHM_SIGNAL_FAULT_BAD_FEATURES, 24, "features_required", 0, 0);
	if (le32(d + 64 + 64 * (1 - creator) + 4) == 0 ? accepted != 0
							: (accepted & ~offered) || (required & ~accepted))
		return judge(v, SHM_SIGNAL_FAULT_BAD_FEATURES, 32, "features_accepted", 0, 0);
	/* rule 12, GROUP_DOORBELL (0x20): never required; offered and accepted only with
	 * WAKE_ADDRESS and WAITER_FLAG (0x11) */
	if (required & 0x20)
		return judge(v, SHM_SIGNAL_FAULT_BAD_FEATURES, 24, "features_required", 0, 0);
	if ((offered & 0x20) && (offered & 0x11) != 0x11)
		return judge(v, SHM_SIGNAL_FAULT_BAD_FEATURES, 16, "features_offered", 0, 0);
	if (le32(d + 64 + 64 * (1 - creator) + 4) != 0 && (accepted & 0x20) && (accepted & 0x11) != 0x11)
		return judge(v, SHM_SIGNAL_FAULT_BAD_FEATURES, 32, "features_accepted", 0, 0);
	if (required & ~supported)
		return judge(v, SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE, 24, "features_required", 0, 0);
	return judge(v, 0, -1, "", 0, 0);
}

/* ------------------------------------------------------------ the file */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("SHM_SIGNAL_FUZZ_DIR");
	struct stat st;
	(void)argc;
	(void)argv;
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(path, sizeof path, "%s/shm_signal_fuzz.%ld", dir, (long)getpid());
	return 0;
}

/* The file holds exactly the `n` bytes at `m` afterwards. */
static void put_file(const uint8_t *m, size_t n)
{
	size_t done = 0;
	if (fd < 0) {
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			fprintf(stderr, "shm_signal_fuzz: %s: %s\n", path, strerror(errno));
			exit(2); /* not a finding: the harness cannot run here */
		}
		atexit(remove_file);
	}
	CHECK(ftruncate(fd, 0) == 0, "ftruncate");
	while (done < n) {
		ssize_t w = pwrite(fd, m + done, n - done, (off_t)done);
		CHECK(w > 0 || errno == EINTR, "pwrite");
		if (w > 0)
			done += (size_t)w;
	}
}

/* The file's bytes into `out` (room for cap); its length, or (size_t)-1 past cap. */
static size_t get_file(uint8_t *out, size_t cap)
{
	struct stat st;
	size_t done = 0;
	CHECK(fstat(fd, &st) == 0, "fstat");
	if ((uint64_t)st.st_size > cap)
		return (size_t)-1;
	while (done < (size_t)st.st_size) {
		ssize_t r = pread(fd, out + done, (size_t)st.st_size - done, (off_t)done);
		CHECK(r > 0 || (r < 0 && errno == EINTR), "pread");
		if (r > 0)
			done += (size_t)r;
	}
	return done;
}

/* ------------------------------------------------------------- the target */

static uint64_t pick_offset(uint8_t b)
{
	uint64_t off;
	if (b & 0x80) /* far beyond any mapping: the wrap-around paths */
		off = (b & 1) ? UINT64_MAX - 63 : (uint64_t)INT64_MAX - 63;
	else
		off = 64u * (b & 0x3fu);
	return off + ((b & 0x40) ? 32u : 0u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *bytes = data + HEADER;
	size_t len = size >= HEADER ? size - HEADER : 0;
	uint64_t off, supported;
	uint32_t flags = SHM_SIGNAL_O_PID;
	struct shm_signal_error e1, e2;
	struct verdict want;
	static char unset;
	shm_signal_chan *ch = (shm_signal_chan *)(void *)&unset; /* attach must set *out */
	uint8_t *copy, *now;
	size_t n;
	int rc, again, busy;

	if (size < HEADER)
		return 0;
	off = pick_offset(data[0]);
	/* Bit 6: this build's own set, which has MESSAGE_RINGS (bit 6 of the set: the byte
	 * has no room for it beside the other known bits, and an attacher that accepts
	 * the rings is this one); else bits 0-5 are features 0-5 (an attacher without
	 * the rings), bit 7 an unknown one too.  Rule 5 needs neither: it reads the
	 * offer in the mapping. */
	if (data[1] & 0x40) {
		supported = shm_signal_supported_features();
	} else {
		supported = (data[1] & 0x3fu) | ((data[1] & 0x80) ? UNKNOWN_FEATURE : 0);
		flags |= SHM_SIGNAL_O_FEATURES;
	}

	/* 1. the validator, on an exact-size copy (malloc(0) may give NULL: fine, the
	 * length rules come first) */
	copy = (uint8_t *)malloc(len ? len : 1);
	now = (uint8_t *)malloc(len + 1);
	CHECK(copy && now, "out of memory");
	memcpy(copy, bytes, len);
	memset(&e1, 0x55, sizeof e1); /* every byte of it must be written */
	rc = shm_signal_validate(copy, len, off, supported, &e1);
	CHECK(memcmp(copy, bytes, len) == 0, "the validator wrote to the mapping");
	expect(&want, bytes, len, off, supported);
	if (rc != want.code) {
		fprintf(stderr, "validate: %d (%s, field %s), spec 6.4 says %d (%s, field %s)\n", rc,
			shm_signal_fault_name(rc), rc > 0 ? e1.field : "-", want.code,
			shm_signal_fault_name(want.code), want.field);
		fail("the validator's fault code is not spec 6.4's");
	}
	/* err is filled in for a refusal only */
	CHECK(rc == 0 || e1.code == rc, "err->code differs from the return value");
	CHECK(rc == 0 || (memchr(e1.field, 0, sizeof e1.field) && memchr(e1.message, 0, sizeof e1.message)),
	      "an error string is not terminated");
	if (rc > 0 && (strcmp(e1.field, want.field) != 0 || e1.offset != want.offset)) {
		fprintf(stderr, "validate: %s names %s at %lld, spec 6.4 says %s at %lld\n",
			shm_signal_fault_name(rc), e1.field, (long long)e1.offset, want.field,
			(long long)want.offset);
		fail("the validator names the wrong field");
	}
	again = shm_signal_validate(copy, len, off, supported, NULL);
	CHECK(again == rc, "the validator answered differently for the same bytes");

	/* 2. attach to the same bytes in a file, once */
	put_file(bytes, len);
	memset(&e2, 0x55, sizeof e2);
	rc = shm_signal_attach(&ch, path, off, supported, flags, ATTACH_PID, 0.0, &e2);
	CHECK(e2.code == rc, "attach: err->code differs from the return value");
	if (rc != 0) {
		CHECK(ch == NULL, "a refused attach left *out set");
		n = get_file(now, len);
		CHECK(n == len && memcmp(now, bytes, len) == 0, "a refused attach changed the file");
	}
	if (off % 64 == 0 && off > ATTACH_OFFSET_LIMIT) {
		CHECK(rc == SHM_SIGNAL_E_ARG, "attach at an offset beyond 2^63 - 2^40 is not E_ARG");
	} else if (want.code != 0) {
		if (rc != want.code) {
			fprintf(stderr, "attach: %d (%s), the validator: %d (%s)\n", rc,
				shm_signal_fault_name(rc), want.code, shm_signal_fault_name(want.code));
			fail("attach refused with another fault than the validator's");
		}
		CHECK(strcmp(e2.field, want.field) == 0 && e2.offset == want.offset,
		      "attach names another field than the validator");
	} else {
		/* spec 6.3 step 4: the attacher's record must not be held by a live peer */
		const uint8_t *d = bytes + off;
		uint32_t creator = le32(d + 12), a = 1 - creator;
		uint64_t offered = le64(d + 16), features = 0, accept = offered & supported;
		uint32_t state = le32(d + 64 + 64 * a + 4);
		int negotiated = 0, want_rc;
		uint64_t bell = 64 + 64 * (uint64_t)creator + 24; /* the creator's doorbell in the head */
		uint64_t needs = SHM_SIGNAL_F_WAKE_ADDRESS | SHM_SIGNAL_F_WAITER_FLAG;
		if (state != SHM_SIGNAL_STATE_EMPTY)
			accept = le64(d + 32); /* a re-attach keeps the session's set */
		else if ((accept & needs) != needs ||
			 (off != 0 && (off < 192 || le32(bytes) != SHM_SIGNAL_MAGIC ||
				       !(le64(bytes + 16) & SHM_SIGNAL_F_GROUP_DOORBELL))))
			accept &= ~SHM_SIGNAL_F_GROUP_DOORBELL; /* 6.3 step 4: needs and a head */
		busy = state == SHM_SIGNAL_STATE_ATTACHED && !(accept & SHM_SIGNAL_F_LIVENESS_LOCK);
		want_rc = (accept & ~supported) ? SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE
			  : busy		 ? SHM_SIGNAL_FAULT_LOCALITY_BUSY
						 : 0;
		if (rc != want_rc) {
			fprintf(stderr, "attach: %d (%s: %s), expected %s\n", rc, shm_signal_fault_name(rc),
				e2.message, shm_signal_fault_name(want_rc));
			fail("attach to a valid descriptor: wrong outcome");
		}
		if (rc == 0) {
			size_t i;
			uint8_t want_bytes[16];
			CHECK(shm_signal_locality(ch) == a, "attached as the creator's locality");
			CHECK(shm_signal_features(ch, &features, &negotiated, NULL) == 0 && negotiated &&
				      features == accept,
			      "negotiated set is not offered & supported (first attach) or the kept set");
			/* 6.3 step 6: features_accepted, pid, state; with GROUP_DOORBELL the
			 * attach rings the creator's doorbell (7.5); nothing else */
			n = get_file(now, len);
			CHECK(n == len, "attach changed the file's length");
			shm_signal_store_le64(want_bytes, accept);
			shm_signal_store_le32(want_bytes + 8, SHM_SIGNAL_STATE_ATTACHED);
			shm_signal_store_le32(want_bytes + 12, ATTACH_PID);
			memcpy(copy, bytes, len);
			if (accept & SHM_SIGNAL_F_GROUP_DOORBELL)
				shm_signal_store_le32(copy + bell, le32(copy + bell) + 1);
			for (i = 0; i < len; i++) {
				uint64_t at = i - off; /* wraps below off: never in range */
				uint64_t rec = 64 + 64 * (uint64_t)a;
				uint8_t w = copy[i];
				if (at >= 32 && at < 40)
					w = want_bytes[at - 32];
				else if (at >= rec + 4 && at < rec + 12)
					w = want_bytes[8 + at - rec - 4];
				CHECK(now[i] == w, "attach wrote outside features_accepted, pid, state "
						   "(and the creator's doorbell)");
			}
			/* spec 9: close stores its state closed and the remote's dirty, and rings
			 * the remote's doorbell (7.8) */
			shm_signal_close(ch);
			memcpy(copy, now, len);
			shm_signal_store_le32(copy + off + 64 + 64 * a + 4, SHM_SIGNAL_STATE_CLOSED);
			copy[off + 64 + 64 * creator + 2] = 1;
			if (accept & SHM_SIGNAL_F_GROUP_DOORBELL)
				shm_signal_store_le32(copy + bell, le32(copy + bell) + 1);
			n = get_file(now, len);
			CHECK(n == len && memcmp(now, copy, len) == 0,
			      "close wrote other bytes than its state and the remote's dirty (and its "
			      "doorbell)");
		}
	}
	free(copy);
	free(now);
	return 0;
}
