/* SPDX-License-Identifier: ISC */
/* bench_facts.c: the facts of the host a bench run ran on: CPU, cores,
 * memory, kernel, and the virtualization or container it runs in. */
#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench/bench_int.h"
#include "lib/xalloc.h"

#define BENCH_FACTS_READ_MAX (256 * 1024)

/* The value of "key<spaces/tabs>: value" at line start in text, trimmed,
 * into buf; 1 found, 0 not. */
static int
bench_facts_field(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key), n;
	const char *line, *p, *end;

	for (line = text; line != NULL && *line != '\0';
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, key, klen) != 0)
			continue;
		p = line + klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, '\n');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n >= len)
			n = len - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return 1;
	}
	return 0;
}

/* Whether word appears as a whole word in the space-separated list s. */
static int
bench_facts_has_word(const char *s, const char *word)
{
	size_t wl = strlen(word);
	const char *p = s;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == s || isspace((unsigned char)p[-1])) &&
		    (p[wl] == '\0' || isspace((unsigned char)p[wl])))
			return 1;
		p += wl;
	}
	return 0;
}

/* CPU model and the hypervisor flag from /proc/cpuinfo text. */
int
bench_facts_parse_cpuinfo(const char *text, char *model, size_t len)
{
	static const char *const keys[] = { "model name", "Hardware", "cpu model", "Processor",
					    "cpu" };
	char flags[4096];
	size_t i;

	snprintf(model, len, "unknown");
	if (text == NULL)
		return 0;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (bench_facts_field(text, keys[i], model, len) && model[0] != '\0')
			break;
	if (bench_facts_field(text, "flags", flags, sizeof flags) ||
	    bench_facts_field(text, "Features", flags, sizeof flags))
		return bench_facts_has_word(flags, "hypervisor");
	return 0;
}

/* MemTotal in bytes. */
int64_t
bench_facts_parse_meminfo(const char *text)
{
	char v[64];
	long long kb;

	if (text == NULL || !bench_facts_field(text, "MemTotal", v, sizeof v))
		return 0;
	if (sscanf(v, "%lld", &kb) != 1 || kb < 0)
		return 0;
	return (int64_t)kb * 1024;
}

/* Append "what arg" ("what=arg" when what ends in '=') to the "; "-separated hints. */
static void
bench_facts_hint(char *hints, size_t hlen, const char *what, const char *arg)
{
	size_t n = strlen(hints);

	if (n + 1 < hlen)
		snprintf(hints + n, hlen - n, "%s%s%s%s", n > 0 ? "; " : "", what,
			 arg != NULL && what[strlen(what) - 1] != '=' ? " " : "",
			 arg != NULL ? arg : "");
}

/* Copy the first line of s, lowercased and trimmed, into buf. */
static void
bench_facts_word(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (s[n] != '\0' && s[n] != '\n' && n + 1 < len) {
		buf[n] = (char)tolower((unsigned char)s[n]);
		n++;
	}
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
}

/* Keep only [a-z0-9_-] of a container type, so it is safe as a label. */
static void
bench_facts_sanitize(char *s)
{
	char *p = s, *q = s;

	for (; *p != '\0'; p++)
		if (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
			*q++ = *p;
	*q = '\0';
}

/* The hypervisor that DMI names, or NULL. */
static const char *
bench_facts_dmi_virt(const char *vendor, const char *product)
{
	static const struct {
		const char *needle, *virt;
	} known[] = {
		{ "qemu", "kvm" },          { "kvm", "kvm" },
		{ "vmware", "vmware" },     { "virtualbox", "oracle" },
		{ "innotek", "oracle" },    { "xen", "xen" },
		{ "amazon ec2", "amazon" }, { "google compute", "google" },
		{ "bochs", "bochs" },       { "parallels", "parallels" },
		{ "bhyve", "bhyve" },       { "openstack", "kvm" },
		{ "proxmox", "kvm" },
	};
	char v[160], p[160];
	size_t i;

	bench_facts_word(vendor != NULL ? vendor : "", v, sizeof v);
	bench_facts_word(product != NULL ? product : "", p, sizeof p);
	/* Hyper-V: "Microsoft Corporation" / "Virtual Machine". */
	if (strstr(v, "microsoft") != NULL && strstr(p, "virtual machine") != NULL)
		return "microsoft";
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strstr(v, known[i].needle) != NULL || strstr(p, known[i].needle) != NULL)
			return known[i].virt;
	return NULL;
}

/*
 * Containers first, as systemd-detect-virt does: a benchmark in an LXC
 * container on a KVM guest runs in the container, and its figures are the
 * container's. The sources, most to least specific: container= in pid 1's
 * environment (lxc, docker, podman, systemd-nspawn set it),
 * /run/systemd/container, /.dockerenv, "lxc" in our cgroup path; then the
 * CPU's hypervisor flag and the DMI vendor/product for a VM.
 */
void
bench_virt_detect(const struct bench_virt_input *in, char *virt, size_t vlen, char *hints,
		  size_t hlen)
{
	char ctype[64] = "", word[64];
	const char *p, *end, *dmi;
	int hv = 0;

	hints[0] = '\0';
	if (in->pid1_environ != NULL) {
		for (p = in->pid1_environ, end = p + in->pid1_environ_len; p < end;
		     p += strlen(p) + 1)
			if (strncmp(p, "container=", 10) == 0 && p[10] != '\0') {
				bench_facts_word(p + 10, ctype, sizeof ctype);
				bench_facts_hint(hints, hlen, "pid 1 container=", ctype);
				break;
			}
	}
	if (in->systemd_container != NULL && in->systemd_container[0] != '\0') {
		bench_facts_word(in->systemd_container, word, sizeof word);
		bench_facts_hint(hints, hlen, "/run/systemd/container", word);
		if (ctype[0] == '\0')
			memcpy(ctype, word, sizeof ctype);
	}
	if (in->dockerenv) {
		bench_facts_hint(hints, hlen, "/.dockerenv", NULL);
		if (ctype[0] == '\0')
			snprintf(ctype, sizeof ctype, "docker");
	}
	if (in->self_cgroup != NULL && (strstr(in->self_cgroup, "/lxc/") != NULL ||
					strstr(in->self_cgroup, "lxc.payload") != NULL)) {
		bench_facts_hint(hints, hlen, "cgroup lxc", NULL);
		if (ctype[0] == '\0')
			snprintf(ctype, sizeof ctype, "lxc");
	}
	bench_facts_sanitize(ctype);
	if (in->cpuinfo != NULL) {
		char model[8];

		if ((hv = bench_facts_parse_cpuinfo(in->cpuinfo, model, sizeof model)))
			bench_facts_hint(hints, hlen, "cpuinfo hypervisor flag", NULL);
	}
	dmi = bench_facts_dmi_virt(in->sys_vendor, in->product_name);
	if (dmi != NULL) {
		bench_facts_word(in->sys_vendor != NULL ? in->sys_vendor : "", word, sizeof word);
		bench_facts_hint(hints, hlen, "dmi", word);
	}
	if (ctype[0] != '\0')
		snprintf(virt, vlen, "%s", ctype);
	else if (dmi != NULL)
		snprintf(virt, vlen, "%s", dmi);
	else if (hv)
		snprintf(virt, vlen, "vm");
	else
		snprintf(virt, vlen, "none");
	if (hints[0] == '\0')
		snprintf(hints, hlen, "no hint of virtualization");
}

/* The whole of a small file, NUL-terminated (*len without the NUL), or NULL. */
static char *
bench_facts_slurp(const char *path, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf = xmalloc(cap);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (n + 1 == cap && cap < BENCH_FACTS_READ_MAX) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		} else if (n + 1 == cap)
			break;
	}
	close(fd);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* Gather this host's facts. */
void
bench_facts_gather(struct bench_facts *f)
{
	struct bench_virt_input in;
	struct utsname u;
	cpu_set_t set;
	char *cpuinfo, *meminfo, *vendor, *product, *environ_, *sdc, *cgroup;

	memset(f, 0, sizeof *f);
	memset(&in, 0, sizeof in);
	if (gethostname(f->hostname, sizeof f->hostname - 1) < 0)
		snprintf(f->hostname, sizeof f->hostname, "unknown");
	cpuinfo = bench_facts_slurp("/proc/cpuinfo", NULL);
	meminfo = bench_facts_slurp("/proc/meminfo", NULL);
	vendor = bench_facts_slurp("/sys/class/dmi/id/sys_vendor", NULL);
	product = bench_facts_slurp("/sys/class/dmi/id/product_name", NULL);
	environ_ = bench_facts_slurp("/proc/1/environ", &in.pid1_environ_len);
	sdc = bench_facts_slurp("/run/systemd/container", NULL);
	cgroup = bench_facts_slurp("/proc/self/cgroup", NULL);
	bench_facts_parse_cpuinfo(cpuinfo, f->cpu_model, sizeof f->cpu_model);
	f->mem_bytes = bench_facts_parse_meminfo(meminfo);
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		f->cores = CPU_COUNT(&set);
	if (f->cores <= 0)
		f->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (f->cores <= 0)
		f->cores = 1;
	if (uname(&u) == 0)
		snprintf(f->kernel, sizeof f->kernel, "%.*s", (int)sizeof f->kernel - 1, u.release);
	in.cpuinfo = cpuinfo;
	in.sys_vendor = vendor;
	in.product_name = product;
	in.pid1_environ = environ_;
	in.systemd_container = sdc;
	in.self_cgroup = cgroup;
	in.dockerenv = access("/.dockerenv", F_OK) == 0;
	bench_virt_detect(&in, f->virt, sizeof f->virt, f->virt_hints, sizeof f->virt_hints);
	free(cpuinfo);
	free(meminfo);
	free(vendor);
	free(product);
	free(environ_);
	free(sdc);
	free(cgroup);
}
