/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_test_closes.h - for the test programs whose server waits for its peer
 * to close every channel (shm_signal_wait_any_test.c, shm_signal_doorbell_test.c).
 */
#ifndef SHM_SIGNAL_TEST_CLOSES_H
#define SHM_SIGNAL_TEST_CLOSES_H

#include "shm_signal_engine.h"

/* Of the channels a wait reported ready (ready[0..n_ready) index ch[0..*n)), close
 * the first whose peer has closed, after consuming its close's signal, move the last
 * channel into its place and add 1 to *closed (the indexes moved: wait again).
 * 0, or the fault or error of another channel's wait (with err). */
static inline int close_a_closed_one(shm_signal_chan **ch, uint32_t *n, const uint32_t *ready,
				     uint32_t n_ready, uint32_t *closed, struct shm_signal_error *err)
{
	uint32_t i;
	for (i = 0; i < n_ready; i++) {
		shm_signal_chan *c = ch[ready[i]];
		int r = 0, rc;
		shm_signal_wakeup(c, 0, NULL, NULL, NULL);
		rc = shm_signal_wait(c, 0, &r, err);
		if (rc == SHM_SIGNAL_FAULT_PEER_CLOSED) {
			shm_signal_close(c);
			ch[ready[i]] = ch[*n - 1];
			(*n)--;
			(*closed)++;
			return 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

#endif
