/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_error.c - the error details of the C engine: filling struct
 * shm_signal_error (a fault with its field, offset, expected and actual value, or an
 * error of the caller or the OS), the fault names of spec 13.3, and the field names
 * of the records' states that several checks report.
 */
#include "shm_signal_internal.h"

#include <stdarg.h>
#include <stdio.h>

int shm_signal_err_set(struct shm_signal_error *err, int code, const char *field, int64_t offset,
		       const char *expected, const char *actual, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		memset(err, 0, sizeof *err);
		err->code = code;
		err->offset = offset;
		snprintf(err->field, sizeof err->field, "%s", field ? field : "");
		snprintf(err->expected, sizeof err->expected, "%s", expected ? expected : "");
		snprintf(err->actual, sizeof err->actual, "%s", actual ? actual : "");
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return code;
}

int shm_signal_err_sys(struct shm_signal_error *err, const char *what)
{
	int e = shm_signal_os_error();
	shm_signal_err_set(err, SHM_SIGNAL_E_SYSTEM, NULL, -1, NULL, NULL, "%s failed (os error %d)", what, e);
	if (err)
		err->sys_errno = e;
	return SHM_SIGNAL_E_SYSTEM;
}

int shm_signal_err_fault(struct shm_signal_error *err, int code, const char *field, int64_t off,
			 const char *msg, const char *expected, unsigned long long actual)
{
	char a[48];
	snprintf(a, sizeof a, "0x%llx", actual);
	return set_err(err, code, field, off, expected, a, "%s", msg);
}

const char *const shm_signal_state_field[2] = {"irq[0].state", "irq[1].state"};

static const char *const fault_names[] = {
	"OK", "BAD_MAGIC", "BYTE_SWAPPED", "BAD_VERSION", "BAD_SIZE", "MAPPING_TOO_SMALL",
	"BAD_OFFSET", "BAD_LOCALITY", "RESERVED_NONZERO", "BAD_FLAG", "BAD_STATE",
	"BAD_FEATURES", "UNSUPPORTED_FEATURE", "BAD_INSTANCE_ID", "LOCALITY_BUSY",
	"PEER_DEAD", "PEER_CLOSED", "WAKE_OBJECT_FOREIGN", "BAD_RING",
};

const char *shm_signal_fault_name(int code)
{
	if (code >= 0 && code < (int)(sizeof fault_names / sizeof fault_names[0]))
		return fault_names[code];
	switch (code) {
	case SHM_SIGNAL_E_ARG: return "E_ARG";
	case SHM_SIGNAL_E_SYSTEM: return "E_SYSTEM";
	case SHM_SIGNAL_E_NOTIFIER: return "E_NOTIFIER";
	case SHM_SIGNAL_E_EXISTS: return "E_EXISTS";
	case SHM_SIGNAL_E_TIMEOUT: return "E_TIMEOUT";
	case SHM_SIGNAL_E_FULL: return "E_FULL";
	case SHM_SIGNAL_E_EMPTY: return "E_EMPTY";
	default: return "?";
	}
}
