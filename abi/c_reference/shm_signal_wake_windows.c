/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_wake_windows.c - the wake layer on Windows (docs/spec.md 8.2,
 * WAKE_NAMED_EVENT): two named auto-reset events per descriptor,
 * Local\shm-signal-<instance_id in hex>-north and -south, created or opened by
 * either side with a security descriptor that lets only this user in, and refused
 * (WAKE_OBJECT_FOREIGN) when one that already existed lets anyone else in.  SetEvent
 * wakes, WaitForSingleObject parks.  Compiles to nothing on other OSes; see
 * shm_signal_wake.h.
 */
#include "shm_signal_internal.h"
#include "shm_signal_wake.h"

#if defined(_WIN32)

#include <stdio.h>

#include <windows.h>
#include <aclapi.h> /* GetSecurityInfo */
#include <sddl.h>   /* ConvertSidToStringSidA */
#if defined(_MSC_VER)
#pragma comment(lib, "advapi32.lib") /* mingw links it by default */
#endif

/* Spec 8.2: the events' security.  Each side creates them with owner = its token user
 * and a protected DACL with one ACE, allowing that user EVENT_ALL_ACCESS (CreateEventW
 * opens an existing event asking for EVENT_ALL_ACCESS, so a narrower grant would lock
 * out the second peer; within one user rights buy nothing, the owner may rewrite the
 * DACL anyway).  The trust boundary is the user. */
struct event_security {
	union {
		TOKEN_USER tu;
		unsigned char bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
	} user;
	DWORD acl[(sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE) / sizeof(DWORD) + 1];
	SECURITY_DESCRIPTOR sd;
	SECURITY_ATTRIBUTES sa;
};

static int event_security_init(struct event_security *s, struct shm_signal_error *err)
{
	HANDLE token;
	DWORD len;
	PSID user;
	PACL acl = (PACL)(void *)s->acl;
	BOOL ok;
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
		return sys_err(err, "OpenProcessToken");
	ok = GetTokenInformation(token, TokenUser, &s->user, (DWORD)sizeof s->user, &len);
	CloseHandle(token);
	if (!ok)
		return sys_err(err, "GetTokenInformation(TokenUser)");
	user = s->user.tu.User.Sid;
	if (!InitializeSecurityDescriptor(&s->sd, SECURITY_DESCRIPTOR_REVISION) ||
	    !InitializeAcl(acl, (DWORD)sizeof s->acl, ACL_REVISION) ||
	    !AddAccessAllowedAce(acl, ACL_REVISION, EVENT_ALL_ACCESS, user) ||
	    !SetSecurityDescriptorOwner(&s->sd, user, FALSE) ||
	    !SetSecurityDescriptorDacl(&s->sd, TRUE, acl, FALSE) ||
	    !SetSecurityDescriptorControl(&s->sd, SE_DACL_PROTECTED, SE_DACL_PROTECTED))
		return sys_err(err, "building the events' security descriptor");
	s->sa.nLength = (DWORD)sizeof s->sa;
	s->sa.lpSecurityDescriptor = &s->sd;
	s->sa.bInheritHandle = FALSE;
	return 0;
}

/* A SID as text into out (for messages). */
static void sid_text(PSID sid, char *out, size_t size)
{
	char *s = NULL;
	if (sid && ConvertSidToStringSidA(sid, &s)) {
		snprintf(out, size, "%s", s);
		LocalFree(s);
	} else {
		snprintf(out, size, "%s", sid ? "(unreadable SID)" : "none");
	}
}

/* WAKE_OBJECT_FOREIGN: expected is this user's SID, actual what was found. */
static int foreign(struct shm_signal_error *err, const char *name, PSID user, const char *actual,
		   const char *why)
{
	char u[192];
	sid_text(user, u, sizeof u);
	return set_err(err, SHM_SIGNAL_FAULT_WAKE_OBJECT_FOREIGN, NULL, -1, u, actual,
		       "event %s exists and is not this user's alone: %s", name, why);
}

/* Spec 8.2: an event that existed before our CreateEventW (the peer's, or a
 * squatter's) must be owned by this user and grant nobody else anything: 0, or
 * WAKE_OBJECT_FOREIGN, or an error. */
static int check_event(HANDLE h, const char *name, PSID user, struct shm_signal_error *err)
{
	PSID owner = NULL;
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	ACL_SIZE_INFORMATION info;
	DWORD i, rc;
	char a[192], why[224];
	int out = 0;
	rc = GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
			     &owner, NULL, &dacl, NULL, &sd);
	if (rc != ERROR_SUCCESS) {
		SetLastError(rc);
		return sys_err(err, "GetSecurityInfo");
	}
	if (!owner || !IsValidSid(owner) || !EqualSid(owner, user)) {
		sid_text(owner, a, sizeof a);
		snprintf(why, sizeof why, "its owner %s is not this user", a);
		out = foreign(err, name, user, a, why);
	} else if (!dacl) {
		out = foreign(err, name, user, "NULL DACL", "a NULL DACL grants everyone");
	} else if (!GetAclInformation(dacl, &info, (DWORD)sizeof info, AclSizeInformation)) {
		out = sys_err(err, "GetAclInformation");
	} else {
		for (i = 0; i < info.AceCount && !out; i++) {
			ACE_HEADER *ace;
			if (!GetAce(dacl, i, (void **)&ace)) {
				out = sys_err(err, "GetAce");
				break;
			}
			switch (ace->AceType) {
			case ACCESS_DENIED_ACE_TYPE:
			case ACCESS_DENIED_OBJECT_ACE_TYPE:
			case ACCESS_DENIED_CALLBACK_ACE_TYPE:
			case ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE:
				break; /* a deny only takes away */
			case ACCESS_ALLOWED_ACE_TYPE: {
				ACCESS_ALLOWED_ACE *allow = (ACCESS_ALLOWED_ACE *)(void *)ace;
				if (!EqualSid((PSID)&allow->SidStart, user)) {
					sid_text((PSID)&allow->SidStart, a, sizeof a);
					snprintf(why, sizeof why, "an ACE grants %s (mask 0x%lx)", a,
						 (unsigned long)allow->Mask);
					out = foreign(err, name, user, a, why);
				}
				break;
			}
			default:
				snprintf(a, sizeof a, "ACE type %u", (unsigned)ace->AceType);
				snprintf(why, sizeof why, "an ACE of type %u is neither an allow nor a deny",
					 (unsigned)ace->AceType);
				out = foreign(err, name, user, a, why);
			}
		}
	}
	LocalFree(sd);
	return out;
}

/* Create-or-open both events (spec 8.2); on failure both are closed again. */
static int open_events(shm_signal_chan *ch, struct shm_signal_error *err)
{
	static const char *const names[2] = {"north", "south"};
	static const char hex[] = "0123456789abcdef";
	struct event_security sec;
	uint32_t l;
	int rc = event_security_init(&sec, err);
	_Static_assert(sizeof ch->instance_id == 16, "instance_id is 16 bytes: 32 hex digits");
	for (l = 0; l < 2 && !rc; l++) {
		char narrow[96];
		wchar_t name[96];
		DWORD e;
		int n = snprintf(narrow, sizeof narrow, "Local\\shm-signal-"), i;
		for (i = 0; i < 16; i++) {
			unsigned char b = ch->instance_id[i]; /* validated, never re-read */
			narrow[n++] = hex[b >> 4];
			narrow[n++] = hex[b & 15];
		}
		n += snprintf(narrow + n, sizeof narrow - (size_t)n, "-%s", names[l]);
		if (n != 17 + 32 + 1 + (int)strlen(names[l]) || strlen(narrow) != (size_t)n) {
			rc = set_err(err, SHM_SIGNAL_E_ARG, "instance_id", D_AT(instance_id), NULL, NULL,
				     "event name %s is not 32 hex digits long", narrow);
			break;
		}
		for (i = 0; narrow[i]; i++) /* ASCII only: widen byte by byte */
			name[i] = (wchar_t)narrow[i];
		name[i] = 0;
		/* create-or-open: the order of starting does not matter */
		SetLastError(0);
		ch->events[l] = CreateEventW(&sec.sa, FALSE, FALSE, name);
		e = GetLastError();
		if (!ch->events[l])
			rc = e == ERROR_ACCESS_DENIED
				     ? foreign(err, narrow, sec.user.tu.User.Sid, "access denied",
					       "it denies this user EVENT_ALL_ACCESS")
				     : sys_err(err, "CreateEventW");
		else if (e == ERROR_ALREADY_EXISTS)
			rc = check_event(ch->events[l], narrow, sec.user.tu.User.Sid, err);
	}
	if (rc) {
		for (l = 0; l < 2; l++) {
			if (ch->events[l])
				CloseHandle(ch->events[l]);
			ch->events[l] = NULL;
		}
	}
	return rc;
}

uint64_t shm_signal_wake_supported(void)
{
	return SHM_SIGNAL_F_WAKE_NAMED_EVENT;
}

int shm_signal_wake_open(shm_signal_chan *ch, uint64_t wake, struct shm_signal_error *err)
{
	if (!(wake & SHM_SIGNAL_F_WAKE_NAMED_EVENT))
		return 0;
	return open_events(ch, err);
}

void shm_signal_wake_close(shm_signal_chan *ch)
{
	if (ch->events[0])
		CloseHandle(ch->events[0]);
	if (ch->events[1])
		CloseHandle(ch->events[1]);
}

void shm_signal_wake_send(shm_signal_chan *ch, uint32_t loc, uint64_t wake)
{
	/* WAKE_ADDRESS (an attacher may accept it with SHM_SIGNAL_O_FEATURES) has no call
	 * here: nothing to send on it */
	if ((wake & SHM_SIGNAL_F_WAKE_NAMED_EVENT) && ch->events[loc])
		SetEvent(ch->events[loc]);
}

int shm_signal_wake_park(shm_signal_chan *ch, uint32_t raw, double s, uint64_t wake)
{
	(void)raw;
	/* WAKE_ADDRESS, when negotiated, is the channel to park on: none here, so poll */
	if (wake & SHM_SIGNAL_F_WAKE_ADDRESS)
		return SHM_SIGNAL_WAKE_NONE;
	if ((wake & SHM_SIGNAL_F_WAKE_NAMED_EVENT) && ch->events[ch->locality]) {
		DWORD ms = s < 0 ? INFINITE : (DWORD)((s < MAX_PARK_S ? s : MAX_PARK_S) * 1000.0 + 0.999);
		return WaitForSingleObject(ch->events[ch->locality], ms) == WAIT_TIMEOUT;
	}
	return SHM_SIGNAL_WAKE_NONE;
}

int shm_signal_wake_park_any(shm_signal_chan *const *chans, uint32_t *raws, const uint64_t *wake, uint32_t n,
			     double s)
{
	HANDLE h[SHM_SIGNAL_WAIT_ANY_MAX];
	DWORD ms = s < 0 ? INFINITE : (DWORD)((s < MAX_PARK_S ? s : MAX_PARK_S) * 1000.0 + 0.999);
	uint32_t i;
	(void)raws;
	for (i = 0; i < n; i++) {
		if ((wake[i] & SHM_SIGNAL_F_WAKE_ADDRESS) || !(wake[i] & SHM_SIGNAL_F_WAKE_NAMED_EVENT) ||
		    !chans[i]->events[chans[i]->locality])
			return SHM_SIGNAL_WAKE_NONE;
		h[i] = (HANDLE)chans[i]->events[chans[i]->locality];
	}
	/* Auto-reset events: the one returned is reset, the others stay signalled and end
	 * the next park at once; the caller looks at every word after each park. */
	return WaitForMultipleObjects(n, h, FALSE, ms) == WAIT_TIMEOUT;
}

#endif /* _WIN32 */
