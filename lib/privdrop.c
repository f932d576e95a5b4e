/* SPDX-License-Identifier: ISC */
/* privdrop.c: drop to an unprivileged user and clear capabilities. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/privdrop.h"

/* Private uids: [BASE, BASE + SPAN). Above systemd's dynamic users
 * (61184-65519) and container ranges, below (uid_t)-1. */
#define PRIV_UID_BASE 3000000000u
#define PRIV_UID_SPAN 1000000u

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

/* Does any process run with uid (real, effective, saved or fs)? */
static int
priv_uid_in_use(uid_t uid)
{
	char path[300], line[256];
	struct dirent *de;
	DIR *d = opendir("/proc");
	int used = 0;

	if (d == NULL)
		return 1; /* cannot tell: do not take it */
	while (!used && (de = readdir(d)) != NULL) {
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "Uid:", 4) == 0) {
				unsigned long v[4] = { 0, 0, 0, 0 };
				int k, n = sscanf(line + 4, "%lu %lu %lu %lu", &v[0], &v[1], &v[2],
						  &v[3]);

				for (k = 0; k < n; k++)
					if (v[k] == (unsigned long)uid)
						used = 1;
				break;
			}
		fclose(f);
	}
	closedir(d);
	return used;
}

/*
 * Without a hamon user: a uid (and gid of the same number) of this process
 * alone, from a range far above any allocated to users or to systemd's
 * dynamic users, with no passwd or group entry and no process using it.
 * The shared nobody would let any other nobody process signal (SIGSTOP)
 * the monitor and so hide an outage behind a stall.
 */
static int
priv_private_uid(uid_t *out)
{
	unsigned seed = (unsigned)getpid() * 2654435761u;
	int tries;

	for (tries = 0; tries < 64; tries++) {
		uid_t uid = PRIV_UID_BASE + (seed + (unsigned)tries * 7919u) % PRIV_UID_SPAN;

		if (getpwuid(uid) != NULL || getgrgid((gid_t)uid) != NULL || priv_uid_in_use(uid))
			continue;
		*out = uid;
		return 0;
	}
	return -1;
}

/* Switch user or clear capabilities; see privdrop.h. */
int
priv_drop(const char *user, const char **who, char *err, size_t errlen)
{
	static char name[64];
	struct passwd *pw = NULL;
	uid_t uid;
	gid_t gid;
	long long eff;

	*who = NULL;
	if (geteuid() == 0) {
		if (user != NULL)
			pw = getpwnam(user);
		else
			pw = getpwnam("hamon");
		if (pw == NULL && user != NULL) {
			snprintf(err, errlen, "user \"%s\" does not exist", user);
			return -1;
		}
		if (pw != NULL) {
			if (pw->pw_uid == 0) {
				snprintf(err, errlen, "--user %s is root: nothing would be dropped",
					 pw->pw_name);
				return -1;
			}
			uid = pw->pw_uid;
			gid = pw->pw_gid;
			snprintf(name, sizeof(name), "%s", pw->pw_name);
		} else {
			if (priv_private_uid(&uid) != 0) {
				snprintf(err, errlen, "no user hamon and no free private uid: "
						      "create the hamon user or give --user");
				return -1;
			}
			gid = (gid_t)uid;
			snprintf(name, sizeof(name), "uid %lu (private)", (unsigned long)uid);
		}
		if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0) {
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
