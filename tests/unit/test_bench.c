/* SPDX-License-Identifier: ISC */
/* test_bench.c: the bench module: the prime kernel's exact work, host
 * facts from sample /proc and /sys text, storing and reading runs back,
 * and the ratios of the side-by-side report. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench/bench.h"
#include "bench/bench_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "store/bench_store.h"
#include "store/store.h"

/* Primes below n counted with a sieve, independently of the kernel. */
static uint64_t
test_sieve_count(uint64_t n)
{
	char *comp = xcalloc(n + 1, 1);
	uint64_t i, j, count = 0;

	for (i = 2; i < n; i++) {
		if (comp[i])
			continue;
		count++;
		for (j = i * i; j < n; j += i)
			comp[j] = 1;
	}
	free(comp);
	return count;
}

/* The remainders trial division computes for c in [3, n), worked out from
 * each c's smallest prime factor: spf - 1 divisions when spf <= isqrt(c),
 * else isqrt(c) - 1 (a prime, or 3 with no divisor to try). */
static uint64_t
test_expected_ops(uint64_t n)
{
	uint64_t c, d, r, spf, ops = 0;

	for (c = 3; c < n; c++) {
		for (r = 1; (r + 1) * (r + 1) <= c; r++)
			;
		spf = 0;
		for (d = 2; d <= r; d++)
			if (c % d == 0) {
				spf = d;
				break;
			}
		ops += spf ? spf - 1 : r - 1;
	}
	return ops;
}

/* The kernel counts exactly the primes, and does exactly the work. */
static void
test_cpu_kernel(void **state)
{
	(void)state;
	assert_int_equal(bench_cpu_event(10000), 1229);
	assert_int_equal(bench_cpu_event(100), 25);
	assert_int_equal(bench_cpu_event(2), 0);
	assert_int_equal(bench_cpu_event(3), 1);
	assert_int_equal(bench_cpu_event(4), 2);
	assert_int_equal(bench_cpu_event(20000), test_sieve_count(20000));
	/* The operation count of one event at --cpu-max-prime=10000. */
	assert_int_equal(bench_cpu_event_ops(10000), 117526);
	assert_int_equal(bench_cpu_event_ops(10000), test_expected_ops(10000));
	assert_int_equal(bench_cpu_event_ops(3), 0);
	assert_int_equal(bench_cpu_event_ops(5), 1); /* c = 4: divided by 2 */
}

static const char test_cpuinfo_x86[] = "processor\t: 0\n"
				       "vendor_id\t: AuthenticAMD\n"
				       "model name\t: AMD EPYC 7763 64-Core Processor   \n"
				       "flags\t\t: fpu vme de pse tsc msr hypervisor lahf_lm\n"
				       "\n"
				       "processor\t: 1\n"
				       "model name\t: AMD EPYC 7763 64-Core Processor\n";

static const char test_cpuinfo_arm[] = "processor\t: 0\n"
				       "BogoMIPS\t: 108.00\n"
				       "Features\t: fp asimd evtstrm crc32 cpuid\n"
				       "CPU implementer\t: 0x41\n"
				       "\n"
				       "Hardware\t: BCM2835\n";

/* Model names and the hypervisor flag. */
static void
test_facts_cpuinfo(void **state)
{
	char model[128];

	(void)state;
	assert_int_equal(bench_facts_parse_cpuinfo(test_cpuinfo_x86, model, sizeof model), 1);
	assert_string_equal(model, "AMD EPYC 7763 64-Core Processor");
	assert_int_equal(bench_facts_parse_cpuinfo(test_cpuinfo_arm, model, sizeof model), 0);
	assert_string_equal(model, "BCM2835");
	/* "hypervisor" only as a whole word. */
	assert_int_equal(bench_facts_parse_cpuinfo("model name : X\nflags : nohypervisorx fpu\n",
						   model, sizeof model),
			 0);
	assert_int_equal(bench_facts_parse_cpuinfo(NULL, model, sizeof model), 0);
	assert_string_equal(model, "unknown");
	/* Truncated to the buffer. */
	bench_facts_parse_cpuinfo(test_cpuinfo_x86, model, 8);
	assert_string_equal(model, "AMD EPY");
	assert_int_equal(bench_facts_parse_meminfo("MemTotal:       24684092 kB\nMemFree: 1 kB\n"),
			 24684092LL * 1024);
	assert_int_equal(bench_facts_parse_meminfo("MemFree: 1 kB\n"), 0);
	assert_int_equal(bench_facts_parse_meminfo(NULL), 0);
}

/* Virtualization from each kind of hint. */
static void
test_facts_virt(void **state)
{
	static const char env_lxc[] = "PATH=/bin\0container=lxc\0TERM=linux";
	struct bench_virt_input in;
	char virt[32], hints[256];

	(void)state;
	memset(&in, 0, sizeof in);
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "none");
	assert_string_equal(hints, "no hint of virtualization");

	/* A KVM guest: the flag and QEMU's DMI. */
	in.cpuinfo = test_cpuinfo_x86;
	in.sys_vendor = "QEMU\n";
	in.product_name = "Standard PC (Q35 + ICH9, 2009)\n";
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "kvm");
	assert_string_equal(hints, "cpuinfo hypervisor flag; dmi qemu");

	/* The flag alone: some VM. */
	in.sys_vendor = in.product_name = NULL;
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "vm");

	/* Hyper-V and VMware by DMI alone. */
	in.cpuinfo = NULL;
	in.sys_vendor = "Microsoft Corporation";
	in.product_name = "Virtual Machine";
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "microsoft");
	in.sys_vendor = "VMware, Inc.";
	in.product_name = "VMware7,1";
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "vmware");
	/* Bare metal DMI is no hint. */
	in.sys_vendor = "Dell Inc.";
	in.product_name = "PowerEdge R640";
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "none");

	/* An LXC container in a KVM guest is the container. */
	in.cpuinfo = test_cpuinfo_x86;
	in.sys_vendor = "QEMU";
	in.pid1_environ = env_lxc;
	in.pid1_environ_len = sizeof env_lxc; /* the last NUL too, as read */
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "lxc");
	assert_non_null(strstr(hints, "pid 1 container=lxc"));
	assert_non_null(strstr(hints, "dmi qemu"));

	/* The other container hints, each alone. */
	memset(&in, 0, sizeof in);
	in.systemd_container = "systemd-nspawn\n";
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "systemd-nspawn");
	memset(&in, 0, sizeof in);
	in.self_cgroup = "0::/lxc.payload.ct101/init.scope\n";
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "lxc");
	assert_string_equal(hints, "cgroup lxc");
	in.self_cgroup = "0::/user.slice/user-0.slice/session-3.scope\n";
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "none");
	in.dockerenv = 1;
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "docker");
	/* A hostile container= value is reduced to a safe word. */
	memset(&in, 0, sizeof in);
	in.pid1_environ = "container=a b;c\x01";
	in.pid1_environ_len = strlen(in.pid1_environ) + 1;
	bench_virt_detect(&in, virt, sizeof virt, hints, sizeof hints);
	assert_string_equal(virt, "abc");
}

/* value/base, NAN when it cannot be computed. */
static void
test_ratio(void **state)
{
	(void)state;
	assert_true(fabs(bench_ratio(2.0, 4.0) - 0.5) < 1e-12);
	assert_true(fabs(bench_ratio(9000.0, 10000.0) - 0.9) < 1e-12);
	assert_true(isnan(bench_ratio(1.0, 0.0)));
	assert_true(isnan(bench_ratio(1.0, -1.0)));
	assert_true(isnan(bench_ratio(NAN, 1.0)));
	assert_true(isnan(bench_ratio(1.0, NAN)));
}

struct test_db {
	char dir[64];
	char path[96];
};

/* A temporary directory for a database. */
static int
test_db_setup(void **state)
{
	struct test_db *t = xcalloc(1, sizeof *t);

	snprintf(t->dir, sizeof t->dir, "/tmp/test_bench.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->path, sizeof t->path, "%s/b.db", t->dir);
	*state = t;
	return 0;
}

/* Remove the database and its directory. */
static int
test_db_teardown(void **state)
{
	struct test_db *t = *state;
	char p[128];

	unlink(t->path);
	snprintf(p, sizeof p, "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", t->path);
	unlink(p);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* A run row for label. */
static void
test_run(struct bench_store_run *r, const char *label, int64_t started)
{
	memset(r, 0, sizeof *r);
	r->started_ns = started;
	snprintf(r->label, sizeof r->label, "%s", label);
	snprintf(r->hostname, sizeof r->hostname, "pve1");
	snprintf(r->cpu_model, sizeof r->cpu_model, "AMD EPYC 7763");
	r->cores = 16;
	r->threads = 16;
	r->mem_bytes = 64LL << 30;
	snprintf(r->kernel, sizeof r->kernel, "6.8.12-4-pve");
	snprintf(r->virt, sizeof r->virt, "%s", strcmp(label, "host") == 0 ? "none" : label);
	snprintf(r->virt_hints, sizeof r->virt_hints, "test");
	snprintf(r->tests, sizeof r->tests, "cpu");
	r->quick = 1;
}

/* A result row. */
static struct bench_store_result
test_res(const char *test, const char *metric, double v, const char *unit)
{
	struct bench_store_result r;

	memset(&r, 0, sizeof r);
	snprintf(r.test, sizeof r.test, "%s", test);
	snprintf(r.metric, sizeof r.metric, "%s", metric);
	snprintf(r.unit, sizeof r.unit, "%s", unit);
	r.value = v;
	return r;
}

struct test_collect {
	struct bench_store_result r[16];
	size_t n;
	char labels[4][64];
	size_t nlabels;
};

/* Collect results. */
static int
test_collect_result(const struct bench_store_result *r, void *arg)
{
	struct test_collect *c = arg;

	if (c->n < 16)
		c->r[c->n++] = *r;
	return 0;
}

/* Collect labels. */
static int
test_collect_label(const char *label, void *arg)
{
	struct test_collect *c = arg;

	if (c->nlabels < 4)
		snprintf(c->labels[c->nlabels++], 64, "%s", label);
	return 0;
}

/* Render a report into a malloc'd string; its return value in *rc. */
static char *
test_report(struct store *st, const char *labels, const char *fmt, int *rc)
{
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	*rc = bench_report(st, labels, fmt, fp, err, sizeof err);
	fclose(fp);
	if (*rc != 0) {
		free(buf);
		return xstrdup(err);
	}
	return buf;
}

/* Runs go in and come back out; the latest value of each metric wins. */
static void
test_store_roundtrip(void **state)
{
	struct test_db *t = *state;
	struct bench_store_result res[3];
	struct bench_store_run run, got;
	struct test_collect c;
	struct store *st;
	char err[256];
	int64_t id1, id2, id3;

	st = store_open(t->path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	/* Before any bench run: nothing, and no error. */
	assert_int_equal(bench_store_latest_run(st, "host", &got, err, sizeof err), 1);
	memset(&c, 0, sizeof c);
	assert_int_equal(bench_store_query_labels(st, test_collect_label, &c, err, sizeof err), 0);
	assert_int_equal(c.nlabels, 0);

	test_run(&run, "host", 1000);
	res[0] = test_res("cpu", "events_1thread", 5000.5, "events/s");
	res[1] = test_res("mem", "read_1m_block", 80000, "MB/s");
	id1 = bench_store_put_run(st, &run, res, 2, err, sizeof err);
	assert_true(id1 > 0);
	test_run(&run, "kvm", 2000);
	res[0] = test_res("cpu", "events_1thread", 4500, "events/s");
	res[1] = test_res("mem", "read_1m_block", 40000, "MB/s");
	id2 = bench_store_put_run(st, &run, res, 2, err, sizeof err);
	assert_true(id2 > id1);
	/* A later host run of the CPU test only. */
	test_run(&run, "host", 3000);
	res[0] = test_res("cpu", "events_1thread", 5000, "events/s");
	id3 = bench_store_put_run(st, &run, res, 1, err, sizeof err);
	assert_true(id3 > id2);
	/* Refused: an empty label. */
	test_run(&run, "", 4000);
	assert_int_equal(bench_store_put_run(st, &run, res, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "label"));

	assert_int_equal(bench_store_latest_run(st, "host", &got, err, sizeof err), 0);
	assert_int_equal(got.id, id3);
	assert_int_equal(got.started_ns, 3000);
	assert_string_equal(got.cpu_model, "AMD EPYC 7763");
	assert_int_equal(got.cores, 16);
	assert_int_equal(got.mem_bytes, 64LL << 30);
	assert_string_equal(got.virt, "none");
	assert_int_equal(got.quick, 1);
	assert_int_equal(bench_store_latest_run(st, "lxc", &got, err, sizeof err), 1);

	memset(&c, 0, sizeof c);
	assert_int_equal(
		bench_store_query_results(st, id1, test_collect_result, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.r[0].test, "cpu");
	assert_true(c.r[0].value == 5000.5);
	assert_string_equal(c.r[1].metric, "read_1m_block");
	assert_string_equal(c.r[1].unit, "MB/s");

	/* Latest per metric: the CPU figure of run 3, the memory one of run 1. */
	memset(&c, 0, sizeof c);
	assert_int_equal(
		bench_store_query_latest(st, "host", test_collect_result, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.r[0].run_id, id3);
	assert_true(c.r[0].value == 5000);
	assert_int_equal(c.r[1].run_id, id1);
	assert_true(c.r[1].value == 80000);

	memset(&c, 0, sizeof c);
	assert_int_equal(bench_store_query_labels(st, test_collect_label, &c, err, sizeof err), 0);
	assert_int_equal(c.nlabels, 2);
	assert_string_equal(c.labels[0], "host");
	assert_string_equal(c.labels[1], "kvm");
	store_close(st);

	/* A reader sees the same. */
	st = store_open(t->path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(bench_store_latest_run(st, "kvm", &got, err, sizeof err), 0);
	assert_int_equal(got.id, id2);
	store_close(st);
}

/* The report's ratios and its errors. */
static void
test_report_ratios(void **state)
{
	struct test_db *t = *state;
	struct bench_store_result res[2];
	struct bench_store_run run;
	struct store *st;
	char err[256], *out;
	int rc;

	st = store_open(t->path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	out = test_report(st, NULL, "csv", &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(out, "no bench runs"));
	free(out);

	test_run(&run, "host", 1000);
	res[0] = test_res("cpu", "events_1thread", 5000, "events/s");
	res[1] = test_res("disk", "randrw_4k_iops", 100000, "IOPS");
	assert_true(bench_store_put_run(st, &run, res, 2, err, sizeof err) > 0);
	test_run(&run, "lxc", 2000);
	res[0] = test_res("cpu", "events_1thread", 4750, "events/s");
	assert_true(bench_store_put_run(st, &run, res, 1, err, sizeof err) > 0);

	out = test_report(st, NULL, "csv", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "test,metric,unit,host,lxc,lxc/host\n"
				 "cpu,events_1thread,events/s,5000.000,4750.000,0.9500\n"
				 "disk,randrw_4k_iops,IOPS,100000.000,,\n");
	free(out);
	/* The base is the first label given. */
	out = test_report(st, "lxc,host", "csv", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "cpu,events_1thread,events/s,4750.000,5000.000,1.0526\n"));
	free(out);
	out = test_report(st, "host,lxc", "json", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"values\":{\"host\":5000.000,\"lxc\":4750.000},"
				    "\"ratios\":{\"lxc\":0.9500}"));
	assert_non_null(strstr(out, "\"ratios\":{\"lxc\":null}"));
	free(out);
	out = test_report(st, "host,lxc", "md", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(
		strstr(out, "| cpu | events_1thread | events/s | 5000.00 | 4750.00 | 0.950 |"));
	free(out);
	out = test_report(st, "host,lxc", NULL, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "lxc/host"));
	assert_non_null(strstr(out, "0.950"));
	free(out);

	out = test_report(st, "host,kvm", "text", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(out, "no bench runs labelled \"kvm\"");
	free(out);
	out = test_report(st, "host,,lxc", "text", &rc);
	assert_int_equal(rc, -2);
	free(out);
	out = test_report(st, "host,host", "text", &rc);
	assert_int_equal(rc, -2);
	free(out);
	out = test_report(st, "host", "xml", &rc);
	assert_int_equal(rc, -2);
	assert_non_null(strstr(out, "xml"));
	free(out);
	store_close(st);
}

/* Run the bench tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_kernel),
		cmocka_unit_test(test_facts_cpuinfo),
		cmocka_unit_test(test_facts_virt),
		cmocka_unit_test(test_ratio),
		cmocka_unit_test_setup_teardown(test_store_roundtrip, test_db_setup,
						test_db_teardown),
		cmocka_unit_test_setup_teardown(test_report_ratios, test_db_setup,
						test_db_teardown),
	};

	log_init("test_bench", 0, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
