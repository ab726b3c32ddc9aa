/* SPDX-License-Identifier: MIT */
/*
 * squat_events.c - a test helper for tests/test_windows_security_wine.py: plays the
 * squatter of spec 8.2 and inspects named events.  Built with mingw-w64, run under
 * wine.  Not part of any engine.
 *
 *   squat_events user               print "user <SID>" (the token user)
 *   squat_events hold NAME SDDL     create event NAME with the security descriptor
 *                                   SDDL ("-": no security attributes at all;
 *                                   "null-dacl:<SID>": owner SID and a NULL DACL, which
 *                                   wine's SDDL parser cannot express;
 *                                   "ace-type:<N>:<SID>": owner SID, a DACL granting
 *                                   SID EVENT_ALL_ACCESS plus an ACE of type N for
 *                                   Everyone, laid out as an allow ACE), print
 *                                   "held <GetLastError()>", hold it until stdin ends
 *   squat_events show NAME          open the existing event NAME and print
 *                                   "owner <SID|none> control 0x<hex> dacl <null|N>"
 *                                   then one "ace <type> <SID> 0x<mask>" per ACE, or
 *                                   "missing <GetLastError()>" if it cannot be opened
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

static void widen(const char *in, wchar_t *out, size_t size)
{
	size_t i;
	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (wchar_t)(unsigned char)in[i];
	out[i] = 0;
}

static void print_sid(PSID sid)
{
	char *s = NULL;
	if (sid && ConvertSidToStringSidA(sid, &s)) {
		printf("%s", s);
		LocalFree(s);
	} else {
		printf("none");
	}
}

static int user(void)
{
	HANDLE token;
	union {
		TOKEN_USER tu;
		unsigned char b[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
	} u;
	DWORD len;
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) ||
	    !GetTokenInformation(token, TokenUser, &u, (DWORD)sizeof u, &len))
		return 3;
	printf("user ");
	print_sid(u.tu.User.Sid);
	printf("\n");
	return 0;
}

static int hold(const char *name, const char *sddl)
{
	wchar_t wname[256];
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
	PSECURITY_DESCRIPTOR sd = NULL;
	SECURITY_DESCRIPTOR absolute;
	PSID owner = NULL;
	DWORD acl[128];
	HANDLE h;
	if (strncmp(sddl, "ace-type:", 9) == 0) {
		char *end;
		unsigned long type = strtoul(sddl + 9, &end, 10);
		SID_IDENTIFIER_AUTHORITY world = {SECURITY_WORLD_SID_AUTHORITY};
		PSID everyone = NULL;
		union {
			ACCESS_ALLOWED_ACE ace;
			unsigned char b[sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE];
		} raw;
		if (*end != ':' || !ConvertStringSidToSidA(end + 1, &owner) ||
		    !AllocateAndInitializeSid(&world, 1, SECURITY_WORLD_RID, 0, 0, 0, 0, 0, 0, 0, &everyone) ||
		    !InitializeAcl((PACL)(void *)acl, (DWORD)sizeof acl, ACL_REVISION) ||
		    !AddAccessAllowedAce((PACL)(void *)acl, ACL_REVISION, EVENT_ALL_ACCESS, owner)) {
			printf("bad-ace %lu\n", (unsigned long)GetLastError());
			return 3;
		}
		memset(&raw, 0, sizeof raw);
		raw.ace.Header.AceType = (BYTE)type;
		raw.ace.Header.AceSize = (WORD)(sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD) + GetLengthSid(everyone));
		raw.ace.Mask = SYNCHRONIZE | EVENT_MODIFY_STATE;
		CopySid(GetLengthSid(everyone), (PSID)&raw.ace.SidStart, everyone);
		if (!AddAce((PACL)(void *)acl, ACL_REVISION, MAXDWORD, &raw, raw.ace.Header.AceSize) ||
		    !InitializeSecurityDescriptor(&absolute, SECURITY_DESCRIPTOR_REVISION) ||
		    !SetSecurityDescriptorOwner(&absolute, owner, FALSE) ||
		    !SetSecurityDescriptorDacl(&absolute, TRUE, (PACL)(void *)acl, FALSE)) {
			printf("bad-ace %lu\n", (unsigned long)GetLastError());
			return 3;
		}
		FreeSid(everyone);
		sa.lpSecurityDescriptor = &absolute;
	} else if (strncmp(sddl, "null-dacl:", 10) == 0) {
		if (!ConvertStringSidToSidA(sddl + 10, &owner) ||
		    !InitializeSecurityDescriptor(&absolute, SECURITY_DESCRIPTOR_REVISION) ||
		    !SetSecurityDescriptorOwner(&absolute, owner, FALSE) ||
		    !SetSecurityDescriptorDacl(&absolute, TRUE, NULL, FALSE)) {
			printf("bad-sid %lu\n", (unsigned long)GetLastError());
			return 3;
		}
		sa.lpSecurityDescriptor = &absolute;
	} else if (strcmp(sddl, "-") != 0) {
		if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, &sd, NULL)) {
			printf("bad-sddl %lu\n", (unsigned long)GetLastError());
			return 3;
		}
		sa.lpSecurityDescriptor = sd;
	}
	widen(name, wname, sizeof wname / sizeof wname[0]);
	SetLastError(0);
	h = CreateEventW(sa.lpSecurityDescriptor ? &sa : NULL, FALSE, FALSE, wname);
	if (!h) {
		printf("failed %lu\n", (unsigned long)GetLastError());
		return 3;
	}
	printf("held %lu\n", (unsigned long)GetLastError());
	fflush(stdout);
	while (getchar() != EOF) {
	}
	CloseHandle(h);
	LocalFree(sd);
	LocalFree(owner);
	return 0;
}

static int show(const char *name)
{
	wchar_t wname[256];
	PSID owner = NULL;
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	SECURITY_DESCRIPTOR_CONTROL control = 0;
	DWORD rev, rc, i;
	HANDLE h;
	widen(name, wname, sizeof wname / sizeof wname[0]);
	h = OpenEventW(READ_CONTROL | SYNCHRONIZE, FALSE, wname);
	if (!h) {
		printf("missing %lu\n", (unsigned long)GetLastError());
		return 0;
	}
	rc = GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
			     &owner, NULL, &dacl, NULL, &sd);
	if (rc != ERROR_SUCCESS) {
		printf("GetSecurityInfo %lu\n", (unsigned long)rc);
		return 3;
	}
	if (sd)
		GetSecurityDescriptorControl(sd, &control, &rev);
	printf("owner ");
	print_sid(owner);
	printf(" control 0x%x dacl ", (unsigned)control);
	if (!dacl) {
		printf("null\n");
	} else {
		ACL_SIZE_INFORMATION info;
		GetAclInformation(dacl, &info, (DWORD)sizeof info, AclSizeInformation);
		printf("%lu\n", (unsigned long)info.AceCount);
		for (i = 0; i < info.AceCount; i++) {
			ACCESS_ALLOWED_ACE *ace;
			GetAce(dacl, i, (void **)&ace);
			printf("ace %u ", (unsigned)ace->Header.AceType);
			print_sid((PSID)&ace->SidStart);
			printf(" 0x%lx\n", (unsigned long)ace->Mask);
		}
	}
	LocalFree(sd);
	CloseHandle(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "user") == 0)
		return user();
	if (argc == 4 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "show") == 0)
		return show(argv[2]);
	fprintf(stderr, "usage: squat_events user | hold NAME SDDL | show NAME\n");
	return 2;
}
