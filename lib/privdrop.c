/* SPDX-License-Identifier: ISC */
/* privdrop.c: drop to an unprivileged user and clear capabilities. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/privdrop.h"

/* CapEff from /proc/self/status (hex), -1 if not found. */
long long
priv_cap_effective(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapEff:", 7) == 0) {
			v = strtoll(line + 7, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

/* Clear effective, permitted and inheritable capabilities (raw capset: no
 * libcap needed for "all off"). */
static int
priv_clear_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Switch user or clear capabilities; see privdrop.h. */
int
priv_drop(const char *user, const char **who, char *err, size_t errlen)
{
	static char name[64];
	struct passwd *pw = NULL;
	long long eff;

	*who = NULL;
	if (geteuid() == 0) {
		if (user != NULL)
			pw = getpwnam(user);
		else if ((pw = getpwnam("hamon")) == NULL)
			pw = getpwnam("nobody");
		if (pw == NULL) {
			snprintf(err, errlen, "user \"%s\" does not exist", user ? user : "nobody");
			return -1;
		}
		if (pw->pw_uid == 0) {
			snprintf(err, errlen, "--user %s is root: nothing would be dropped",
				 pw->pw_name);
			return -1;
		}
		snprintf(name, sizeof(name), "%s", pw->pw_name);
		if (setgroups(0, NULL) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
			snprintf(err, errlen, "cannot switch to user %s: %s", name,
				 strerror(errno));
			return -1;
		}
		if (setuid(0) == 0) {
			snprintf(err, errlen, "still able to become root after dropping to %s",
				 name);
			return -1;
		}
		*who = name;
	} else if (priv_clear_caps() != 0) {
		snprintf(err, errlen, "cannot clear capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if ((eff = priv_cap_effective()) != 0) {
		snprintf(err, errlen, "capabilities still effective after dropping (CapEff %llx)",
			 eff);
		return -1;
	}
	return 0;
}
