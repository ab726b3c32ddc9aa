/* The C side of tests/structs/wire.py, written by hand as a C programmer would
 * (native types: long, void *, _Bool, bit-fields), for shm-signal verify --header. */
#ifndef WIRE_H
#define WIRE_H

#include <stdbool.h>
#include <stdint.h>

struct Inner {
	uint8_t a;
	uint32_t b;
};

union Mixed {
	uint32_t u32;
	uint8_t bytes[6];
};

struct wire_record {
	uint32_t tag;
	uint64_t stamp;
	long n;
	void *ptr;
	bool ok;
	struct Inner inner[2];
	int16_t grid[2][3];
	union Mixed m;
	uint8_t flag;
};

#pragma pack(push, 1)
struct Packed {
	uint8_t a;
	uint32_t b;
	uint16_t c;
};
#pragma pack(pop)

struct Bits {
	uint32_t x : 3;
	uint32_t y : 5;
	uint16_t z;
};

struct Big {
	uint16_t a;
	uint64_t b;
};

struct Gap {
	uint32_t a;
	uint64_t b;
};

struct Flags {
	uint32_t lo : 4;
	uint32_t hi : 4;
	uint32_t rest : 24;
};

#endif
