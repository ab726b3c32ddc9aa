/* SPDX-License-Identifier: MIT */
/*
 * shm_signal.h - the shm-signal ABI v1: shared-memory signals between two localities.
 *
 * This header is normative for C and C++ peers.  docs/spec.md is the normative prose;
 * abi/layout.py is the single source of truth both are checked against
 * (`shm-signal verify`, `shm-signal matrix`).  The blocks marked "generated" are
 * written by `python -m abi generate`; a test fails when they are stale.
 *
 * Rules every shared structure here follows (Linux UAPI style):
 *  - fixed-width integers only; no bitfields, enums, bool, pointers, long or size_t;
 *  - every multi-byte field is little-endian in memory (shm_signal_le32/le64 mark
 *    them; use shm_signal_load_le* / shm_signal_store_le* on big-endian hosts);
 *  - every field is naturally aligned and every gap is an explicit, named,
 *    must-be-zero field, so no ABI inserts implicit padding (-Wpadded proves it);
 *  - every structure's size is a multiple of 8; no packing pragmas or attributes.
 *
 * Only <stddef.h> and <stdint.h> are included, so the header is usable freestanding.
 * It compiles as C99, C11 and C++ with GCC, Clang and MSVC.
 */
#ifndef SHM_SIGNAL_H
#define SHM_SIGNAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* @generated constants begin: python -m abi generate */
#define SHM_SIGNAL_MAGIC 0x58fa39dfu
#define SHM_SIGNAL_MAGIC_SWAPPED 0xdf39fa58u
#define SHM_SIGNAL_VERSION 1u
#define SHM_SIGNAL_DESC_SIZE 192u
#define SHM_SIGNAL_IRQ_SIZE 64u
#define SHM_SIGNAL_DESC_ALIGN 64u
#define SHM_SIGNAL_LOCK_BASE (UINT64_C(1) << 40)

#define SHM_SIGNAL_LOCALITY_NORTH 0u
#define SHM_SIGNAL_LOCALITY_SOUTH 1u

#define SHM_SIGNAL_STATE_EMPTY 0u
#define SHM_SIGNAL_STATE_ATTACHED 1u
#define SHM_SIGNAL_STATE_CLOSED 2u

#define SHM_SIGNAL_F_WAKE_ADDRESS (UINT64_C(1) << 0)
#define SHM_SIGNAL_F_WAKE_NAMED_EVENT (UINT64_C(1) << 1)
#define SHM_SIGNAL_F_LIVENESS_LOCK (UINT64_C(1) << 2)
#define SHM_SIGNAL_F_NOTIFY_COUNT (UINT64_C(1) << 3)
#define SHM_SIGNAL_F_WAITER_FLAG (UINT64_C(1) << 4)
#define SHM_SIGNAL_F_GROUP_DOORBELL (UINT64_C(1) << 5)
#define SHM_SIGNAL_F_MESSAGE_RINGS (UINT64_C(1) << 6)
#define SHM_SIGNAL_F_KNOWN UINT64_C(0x7f)

#define SHM_SIGNAL_FAULT_OK 0
#define SHM_SIGNAL_FAULT_BAD_MAGIC 1
#define SHM_SIGNAL_FAULT_BYTE_SWAPPED 2
#define SHM_SIGNAL_FAULT_BAD_VERSION 3
#define SHM_SIGNAL_FAULT_BAD_SIZE 4
#define SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL 5
#define SHM_SIGNAL_FAULT_BAD_OFFSET 6
#define SHM_SIGNAL_FAULT_BAD_LOCALITY 7
#define SHM_SIGNAL_FAULT_RESERVED_NONZERO 8
#define SHM_SIGNAL_FAULT_BAD_FLAG 9
#define SHM_SIGNAL_FAULT_BAD_STATE 10
#define SHM_SIGNAL_FAULT_BAD_FEATURES 11
#define SHM_SIGNAL_FAULT_UNSUPPORTED_FEATURE 12
#define SHM_SIGNAL_FAULT_BAD_INSTANCE_ID 13
#define SHM_SIGNAL_FAULT_LOCALITY_BUSY 14
#define SHM_SIGNAL_FAULT_PEER_DEAD 15
#define SHM_SIGNAL_FAULT_PEER_CLOSED 16
#define SHM_SIGNAL_FAULT_WAKE_OBJECT_FOREIGN 17
#define SHM_SIGNAL_FAULT_BAD_RING 18

#define SHM_SIGNAL_RING_MAGIC 0x676e6972u
#define SHM_SIGNAL_RING_HEADER 192u
#define SHM_SIGNAL_RING_ALIGN 64u
#define SHM_SIGNAL_RING_MIN_CAPACITY 64u
#define SHM_SIGNAL_RING_MAX_CAPACITY (1u << 30)
#define SHM_SIGNAL_RING_KIND_MESSAGE 0u
#define SHM_SIGNAL_RING_KIND_PADDING 1u
/* @generated constants end */

/* Little-endian field types: the value in memory is little-endian on every host. */
typedef uint16_t shm_signal_le16;
typedef uint32_t shm_signal_le32;
typedef uint64_t shm_signal_le64;

/*
 * struct shm_signal_irq - one locality's record, 64 bytes (one cache line).
 *
 * The "owner" is the locality the record belongs to (irq[0] north, irq[1] south);
 * the "remote" is the other side, which signals the owner by writing here.
 * Bytes 0-3 form the 4-byte-aligned 32-bit *wait word*: the owner parks on it with
 * futex / os_sync / ulock compare-and-wait, and any change of enabled, pending or
 * dirty changes the word.
 */
struct shm_signal_irq {
	uint8_t enabled;              /*  0 owner writes; 0/1: owner wants notifications  */
	uint8_t pending;              /*  1 remote sets, owner clears; 0/1: notification in flight */
	uint8_t dirty;                /*  2 remote sets, owner clears; 0/1: new shared state */
	uint8_t pad0;                 /*  3 must be zero: completes the wait word; WAITER_FLAG:
	                               *    the owner's waiting byte (bit 0 parked on this word,
	                               *    bit 1 GROUP_DOORBELL: parked on the head's doorbell) */
	shm_signal_le32 state;        /*  4 owner writes: SHM_SIGNAL_STATE_* */
	shm_signal_le32 pid;          /*  8 owner writes: process id, diagnostics only, 0 = unknown */
	shm_signal_le32 reserved0;    /* 12 must be zero */
	shm_signal_le64 notify_count; /* 16 remote writes: notifications sent to the owner */
	shm_signal_le32 doorbell;     /* 24 must be zero; GROUP_DOORBELL, head (file offset 0)
	                               *    only: a counter remotes add 1 to atomically, then wake */
	shm_signal_le32 reserved2;    /* 28 must be zero */
	shm_signal_le64 reserved3[4]; /* 32 must be zero (reserved2/3 were reserved1[5]) */
};

/*
 * struct shm_signal_desc - the shared descriptor, 192 bytes, at a 64-byte-aligned
 * offset of the mapping.  The creator fills every field, then stores magic last
 * (release); an attacher validates all of it before writing features_accepted and
 * its own irq.state.
 */
struct shm_signal_desc {
	shm_signal_le32 magic;             /*   0 creator, written last: SHM_SIGNAL_MAGIC */
	shm_signal_le32 version;           /*   4 creator: SHM_SIGNAL_VERSION (major) */
	shm_signal_le32 desc_size;         /*   8 creator: >= 192, multiple of 64 */
	shm_signal_le32 creator;           /*  12 creator: SHM_SIGNAL_LOCALITY_* of the creator */
	shm_signal_le64 features_offered;  /*  16 creator: SHM_SIGNAL_F_* it supports */
	shm_signal_le64 features_required; /*  24 creator: subset of offered the attacher must accept */
	shm_signal_le64 features_accepted; /*  32 attacher: offered & supported, superset of required */
	uint8_t instance_id[16];           /*  40 creator: random, not all zero; names wake objects */
	shm_signal_le64 reserved0;         /*  56 must be zero */
	struct shm_signal_irq irq[2];      /*  64 irq[0] north, irq[1] south */
};

/*
 * struct shm_signal_ring_header - a message ring's header (docs/spec.md section 15),
 * 192 bytes at a 64-byte-aligned offset of the mapping, followed by `capacity` data
 * bytes of records.  Three cache lines: the creator's constants, the producer's
 * head, the consumer's tail, so the two sides never write one line.  head and tail
 * count bytes modulo 2^32; a 32-bit peer loads and stores them whole.
 */
struct shm_signal_ring_header {
	shm_signal_le32 magic;       /*   0 creator, written last: SHM_SIGNAL_RING_MAGIC */
	shm_signal_le32 capacity;    /*   4 creator: data bytes, a power of two, 64 to 2^30 */
	shm_signal_le32 max_message; /*   8 creator: largest payload, 1 to capacity - 8 */
	uint8_t reserved0[52];       /*  12 must be zero */
	shm_signal_le32 head;        /*  64 producer: bytes published, a multiple of 8 */
	uint8_t reserved1[60];       /*  68 must be zero */
	shm_signal_le32 tail;        /* 128 consumer: bytes released, a multiple of 8 */
	uint8_t reserved2[60];       /* 132 must be zero */
};

/*
 * struct shm_signal_ring_record - the 8-byte header of each record in a ring's data
 * area, at an 8-aligned offset; `length` payload bytes and zeros up to the next
 * multiple of 8 follow.  A record never crosses the end of the data area.
 */
struct shm_signal_ring_record {
	shm_signal_le32 length; /* 0 producer: payload bytes (padding: to the data area's end) */
	shm_signal_le32 kind;   /* 4 producer: SHM_SIGNAL_RING_KIND_MESSAGE or _PADDING */
};

/* Byte-order helpers: portable, no builtins, exact on any host byte order. */
#if defined(_MSC_VER) && !defined(__cplusplus)
#define SHM_SIGNAL_INLINE static __inline
#else
#define SHM_SIGNAL_INLINE static inline
#endif

SHM_SIGNAL_INLINE uint16_t shm_signal_load_le16(const void *p)
{
	const unsigned char *b = (const unsigned char *)p;
	return (uint16_t)(b[0] | (b[1] << 8));
}

SHM_SIGNAL_INLINE uint32_t shm_signal_load_le32(const void *p)
{
	const unsigned char *b = (const unsigned char *)p;
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

SHM_SIGNAL_INLINE uint64_t shm_signal_load_le64(const void *p)
{
	const unsigned char *b = (const unsigned char *)p;
	return (uint64_t)shm_signal_load_le32(b) | ((uint64_t)shm_signal_load_le32(b + 4) << 32);
}

SHM_SIGNAL_INLINE void shm_signal_store_le16(void *p, uint16_t v)
{
	unsigned char *b = (unsigned char *)p;
	b[0] = (unsigned char)(v & 0xffu);
	b[1] = (unsigned char)((v >> 8) & 0xffu);
}

SHM_SIGNAL_INLINE void shm_signal_store_le32(void *p, uint32_t v)
{
	unsigned char *b = (unsigned char *)p;
	b[0] = (unsigned char)(v & 0xffu);
	b[1] = (unsigned char)((v >> 8) & 0xffu);
	b[2] = (unsigned char)((v >> 16) & 0xffu);
	b[3] = (unsigned char)((v >> 24) & 0xffu);
}

SHM_SIGNAL_INLINE void shm_signal_store_le64(void *p, uint64_t v)
{
	unsigned char *b = (unsigned char *)p;
	shm_signal_store_le32(b, (uint32_t)(v & 0xffffffffu));
	shm_signal_store_le32(b + 4, (uint32_t)(v >> 32));
}

/*
 * Compile-time checks.  C11 and C++11 use their static assertions; older compilers
 * get a negative-array typedef, so a wrong layout fails to compile everywhere.
 * Define SHM_SIGNAL_NO_LAYOUT_ASSERTS to skip them (the verifier's probe does, so
 * that it can report every difference instead of stopping at the first).
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define SHM_SIGNAL_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define SHM_SIGNAL_ALIGNOF(t) alignof(t)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define SHM_SIGNAL_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define SHM_SIGNAL_ALIGNOF(t) _Alignof(t)
#else
#define SHM_SIGNAL_CONCAT_(a, b) a##b
#define SHM_SIGNAL_CONCAT(a, b) SHM_SIGNAL_CONCAT_(a, b)
#define SHM_SIGNAL_STATIC_ASSERT(cond, msg) \
	typedef char SHM_SIGNAL_CONCAT(shm_signal_static_assert_, __LINE__)[(cond) ? 1 : -1]
#endif

/* offset and size of one member, in one assertion (the fallback allows one per line) */
#define SHM_SIGNAL_ASSERT_FIELD(s, m, off, size)                                          \
	SHM_SIGNAL_STATIC_ASSERT(offsetof(struct s, m) == (off) &&                          \
				 sizeof(((struct s *)0)->m) == (size),                      \
				 #s "." #m " must be at offset " #off " with size " #size)
#define SHM_SIGNAL_ASSERT_SIZE(s, size) \
	SHM_SIGNAL_STATIC_ASSERT(sizeof(struct s) == (size), "sizeof(struct " #s ") must be " #size)

#ifndef SHM_SIGNAL_NO_LAYOUT_ASSERTS
/* @generated asserts begin: python -m abi generate */
SHM_SIGNAL_ASSERT_SIZE(shm_signal_irq, 64);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, enabled, 0, 1);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, pending, 1, 1);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, dirty, 2, 1);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, pad0, 3, 1);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, state, 4, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, pid, 8, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, reserved0, 12, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, notify_count, 16, 8);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, doorbell, 24, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, reserved2, 28, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, reserved3, 32, 32);
SHM_SIGNAL_ASSERT_SIZE(shm_signal_desc, 192);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, magic, 0, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, version, 4, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, desc_size, 8, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, creator, 12, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, features_offered, 16, 8);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, features_required, 24, 8);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, features_accepted, 32, 8);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, instance_id, 40, 16);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, reserved0, 56, 8);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_desc, irq, 64, 128);
SHM_SIGNAL_ASSERT_SIZE(shm_signal_ring_header, 192);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, magic, 0, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, capacity, 4, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, max_message, 8, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, reserved0, 12, 52);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, head, 64, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, reserved1, 68, 60);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, tail, 128, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_header, reserved2, 132, 60);
SHM_SIGNAL_ASSERT_SIZE(shm_signal_ring_record, 8);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_record, length, 0, 4);
SHM_SIGNAL_ASSERT_FIELD(shm_signal_ring_record, kind, 4, 4);
/* @generated asserts end */
#ifdef SHM_SIGNAL_ALIGNOF
/* Natural alignment: placing a descriptor at a multiple of SHM_SIGNAL_DESC_ALIGN
 * satisfies every ABI (i386 aligns uint64_t to 4 inside structs, others to 8). */
SHM_SIGNAL_STATIC_ASSERT(SHM_SIGNAL_DESC_ALIGN % SHM_SIGNAL_ALIGNOF(struct shm_signal_desc) == 0,
			 "descriptor alignment must divide SHM_SIGNAL_DESC_ALIGN");
SHM_SIGNAL_STATIC_ASSERT(SHM_SIGNAL_ALIGNOF(struct shm_signal_irq) <= 8,
			 "irq record alignment must be at most 8");
SHM_SIGNAL_STATIC_ASSERT(SHM_SIGNAL_RING_ALIGN % SHM_SIGNAL_ALIGNOF(struct shm_signal_ring_header) == 0,
			 "ring header alignment must divide SHM_SIGNAL_RING_ALIGN");
#endif
#endif /* SHM_SIGNAL_NO_LAYOUT_ASSERTS */

#ifdef __cplusplus
}
#endif

#endif /* SHM_SIGNAL_H */
