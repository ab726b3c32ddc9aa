/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_data.c - the application's own bytes of a channel's file (its rings,
 * its tables; docs/spec.md section 5): a pointer into a mapping that covers the
 * range asked for, valid until the channel closes.
 *
 * A channel maps only [0, offset + 192) of its file when it opens.  The mappings are
 * the file registry's, shared by every channel of the file in this process and
 * counted (shm_signal_file.c); the channel takes one reference to each mapping it
 * hands out, beyond its own, and drops them all in close.  The registry returns its
 * newest mapping when that one is long enough, so asking again and again for ranges
 * of a file that does not grow adds no mapping and no reference.
 */
#include "shm_signal_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* 1 if the channel holds a reference to m already (its own, or one handed out). */
static int holds(const shm_signal_chan *ch, const struct shm_signal_map *m)
{
	uint32_t i;
	if (m == ch->map)
		return 1;
	for (i = 0; i < ch->n_data_maps; i++)
		if (ch->data_maps[i] == m)
			return 1;
	return 0;
}

int shm_signal_data_length(shm_signal_chan *ch, uint64_t *len, struct shm_signal_error *err)
{
	int rc;
	if (len)
		*len = 0;
	rc = shm_signal_check_open(ch, err);
	if (rc)
		return rc;
	if (!len)
		return set_err(err, SHM_SIGNAL_E_ARG, "len", -1, NULL, NULL, "no place for the length");
	return shm_signal_file_size(ch->file, len, err);
}

int shm_signal_data(shm_signal_chan *ch, uint64_t offset, uint64_t len, void **out,
		    struct shm_signal_error *err)
{
	struct shm_signal_map *m, **grown;
	uint64_t flen, end;
	char want[32];
	int rc;
	if (out)
		*out = NULL;
	rc = shm_signal_check_open(ch, err);
	if (rc)
		return rc;
	if (!out)
		return set_err(err, SHM_SIGNAL_E_ARG, "out", -1, NULL, NULL, "no place for the pointer");
	if (len == 0)
		return set_err(err, SHM_SIGNAL_E_ARG, "len", -1, ">= 1", "0", "an empty range has no address");
	/* off_t is signed: no file reaches 2^63, and offset + len must not wrap */
	if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - offset)
		return set_err(err, SHM_SIGNAL_E_ARG, "len", -1, "offset + len <= 2^63-1", NULL,
			       "offset %llu + len %llu lies beyond any file", (unsigned long long)offset,
			       (unsigned long long)len);
	end = offset + len;
	/* The length first, so that the report names the range; the registry checks again
	 * when it maps (the file may shrink in between: then its own report). */
	rc = shm_signal_file_size(ch->file, &flen, err);
	if (rc)
		return rc;
	if (flen < end) {
		snprintf(want, sizeof want, "0x%llx", (unsigned long long)end);
		return fault_at(err, SHM_SIGNAL_FAULT_MAPPING_TOO_SMALL, "mapping length", (int64_t)offset,
				"the file ends before offset + len", want, flen);
	}
	rc = shm_signal_file_map(ch->file, end, &m, err);
	if (rc)
		return rc;
	if (holds(ch, m)) {
		shm_signal_map_release(m); /* another reference stays: nothing is unmapped */
	} else {
		grown = (struct shm_signal_map **)realloc(ch->data_maps, sizeof *grown * (ch->n_data_maps + 1));
		if (!grown) {
			shm_signal_map_release(m);
			return set_err(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "out of memory");
		}
		ch->data_maps = grown;
		ch->data_maps[ch->n_data_maps++] = m;
	}
	*out = m->base + offset;
	return 0;
}

void shm_signal_data_release(shm_signal_chan *ch)
{
	uint32_t i;
	for (i = 0; i < ch->n_data_maps; i++)
		shm_signal_map_release(ch->data_maps[i]);
	free(ch->data_maps);
	ch->data_maps = NULL;
	ch->n_data_maps = 0;
}
