/* Written by hand from tails.py: flexible array members and a structure whose first
 * members are those of the ctypes base class. */
#include <stdint.h>

struct Msg {
	uint32_t len;
	uint16_t kind;
	uint8_t data[];
};

struct Tagged {
	uint8_t tag;
	uint64_t vals[];
};

struct tails_record {
	uint32_t magic;
	uint16_t count;
	uint64_t stamp;
};
