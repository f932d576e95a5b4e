# SPDX-License-Identifier: ISC
# Every test `make check` runs, and every program the tests need, listed here
# and only here; the code folders' fragments build their archives and nothing
# else. Unit tests are the one exception in place only: their list stays in
# tests/unit/local.mk (included below), so that a branch adding a unit test
# edits that file alone.
#
# Integration tests are TAP shell scripts (#!/bin/bash) run by Automake's TAP
# driver. They find hamon in $HAMON and the helpers under $(top_builddir)
# (TESTS_ENVIRONMENT in the top-level Makefile.am exports HAMON, top_srcdir
# and top_builddir); those that need root, network namespaces, nftables or a
# kernel feature print a TAP skip with the reason otherwise.

include $(srcdir)/tests/unit/local.mk

#   bad_input.t      any user: every case in tests/bad-input/ (see its README)
#   bench.t          `hamon bench` and its stored runs
#   crash_loop.t     root: 20 kill -9 of a 100-target monitor on one database
#   diskfull.t       root: the database on a small tmpfs that fills up
#   formats.t        root: monitor JSON lines and metric families against
#                    report/FORMATS.md (its checker: formats.check.py)
#   fdlimit.t        root: 1 100 idle connections to --metrics under
#                    ulimit -n 1024; scrapes, marks, ICMP and connect-mode
#                    probes keep working (its flood loads the cores: only
#                    tests that measure no timing follow it)
#   hostile.t        root: tests/helpers/hostile floods the monitor with
#                    forged, truncated, corrupt and foreign packets; the
#                    statistics and outages must come through untouched
#   netlink.t        root: network events through `hamon monitor`
#   bridge.t         root: a bridge (and a macvlan on it, a bond) as the
#                    egress: link state from the ports, UNKNOWN, not loss
#   report_events.t  root: network events and bench runs in a run's report
#   rxdrop.t         root: replies dropped at our own full socket are
#                    unknown (rx-drop), never lost
#   service_files.t  any user: man pages (mandoc -Tlint), hamon.conf.5 against
#                    lib/config.c, bash completion, systemd-analyze verify and
#                    security of etc/hamon.service, sysusers.d and tmpfiles.d
#   service.t        root: the unit's ExecStart as systemd runs it (user hamon,
#                    ambient capabilities only), READY=1, STATUS=, WATCHDOG=1
# In the order they run: `make check -j2` starts the next one as soon as one
# ends, so neighbours share the two cores. The order is the one the suite
# has passed in under ASan on a 2-core machine: the harness checks that time
# fping and nft (faultctl.t, the harness lines of outage_icmp.t) run beside
# light tests, the 1 500-target metrics.t and the kill loop late. (Sorted by
# name, faultctl.t ran beside crash_loop.t and demo.t and failed its own
# nft-latency bounds.)
INTEGRATION_TESTS = \
	tests/integration/netlink.t \
	tests/integration/bridge.t \
	tests/integration/bench.t \
	tests/integration/cli.t \
	tests/integration/faultctl.t \
	tests/integration/outage_icmp.t \
	tests/integration/ipv6.t \
	tests/integration/kill9.t \
	tests/integration/flood.t \
	tests/integration/tcp_outage.t \
	tests/integration/run.t \
	tests/integration/formats.t \
	tests/integration/privileges.t \
	tests/integration/stall.t \
	tests/integration/rxdrop.t \
	tests/integration/reader.t \
	tests/integration/history_merge.t \
	tests/integration/demo.t \
	tests/integration/metrics.t \
	tests/integration/hooks.t \
	tests/integration/prompt.t \
	tests/integration/logdest.t \
	tests/integration/avail.t \
	tests/integration/webhooks.t \
	tests/integration/crash_loop.t \
	tests/integration/diskfull.t \
	tests/integration/bad_input.t \
	tests/integration/hostile.t \
	tests/integration/report_events.t \
	tests/integration/two_links.t \
	tests/integration/sight.t \
	tests/integration/signals.t \
	tests/integration/fdlimit.t \
	tests/integration/service_files.t \
	tests/integration/service.t \
	tests/integration/import.t \
	tests/integration/report_html.t \
	tests/integration/dbsafe.t \
	tests/integration/live.t
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh tests/bad-input \
	tests/integration/formats.check.py tests/helpers/webhook_recv.py

TEST_EXTENSIONS = .t
T_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh

# Helpers the integration tests run.
# The fault injector links libnftables; without it the fault tests skip.
if HAVE_NFTABLES
check_PROGRAMS += tests/helpers/faultctl
tests_helpers_faultctl_SOURCES = tests/helpers/faultctl.c
tests_helpers_faultctl_CFLAGS = $(AM_CFLAGS) $(NFTABLES_CFLAGS)
tests_helpers_faultctl_LDADD = $(NFTABLES_LIBS)
endif
# The hostile-packet sender of hostile.t.
check_PROGRAMS += tests/helpers/hostile
tests_helpers_hostile_SOURCES = tests/helpers/hostile.c tests/helpers/hostile.h \
	tests/helpers/hostile_pkt.c tests/helpers/hostile_net.c

# Not a test: the store/report benchmark's filler (tests/perf/store_bench.sh).
# Built with the tests so that it keeps compiling.
check_PROGRAMS += tests/perf/store_rate
tests_perf_store_rate_SOURCES = tests/perf/store_rate.c
tests_perf_store_rate_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/perf/README.md tests/perf/longrun.sh tests/perf/store_bench.sh

# libFuzzer targets (./configure CC=clang --enable-fuzzing). Run one with
#   tests/fuzz/fuzz_icmp -max_total_time=60 tests/fuzz/corpus/icmp
# tests/fuzz/run.sh runs each for a bounded time over its committed corpus.
FUZZ_LDADD = monitor/libmonitor.a report/libreport.a hv/libhv.a bench/libbench.a store/libstore.a \
	probes/libprobes.a lib/libhamon.a $(SQLITE_LIBS) $(JANSSON_LIBS) $(PCAP_LIBS) $(LIBNL_LIBS) $(LIBEVENT_LIBS) \
	$(LIBURING_LIBS) -lpthread -lm
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/corpus
if FUZZING
FUZZ_TARGETS = tests/fuzz/fuzz_duration tests/fuzz/fuzz_target tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_icmp tests/fuzz/fuzz_hvparse tests/fuzz/fuzz_tcp tests/fuzz/fuzz_qmp \
	tests/fuzz/fuzz_journal_json tests/fuzz/fuzz_weburl
noinst_PROGRAMS += $(FUZZ_TARGETS)
tests_fuzz_fuzz_weburl_SOURCES = tests/fuzz/fuzz_weburl.c
tests_fuzz_fuzz_weburl_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_weburl_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_duration_SOURCES = tests/fuzz/fuzz_duration.c
tests_fuzz_fuzz_duration_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_duration_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_target_SOURCES = tests/fuzz/fuzz_target.c
tests_fuzz_fuzz_target_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_target_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_icmp_SOURCES = tests/fuzz/fuzz_icmp.c
tests_fuzz_fuzz_icmp_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_icmp_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_hvparse_SOURCES = tests/fuzz/fuzz_hvparse.c
tests_fuzz_fuzz_hvparse_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_hvparse_LDADD = $(FUZZ_LDADD)
# The two jansson readers, each over one message (hvparse feeds them lines).
tests_fuzz_fuzz_qmp_SOURCES = tests/fuzz/fuzz_qmp.c
tests_fuzz_fuzz_qmp_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_qmp_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_journal_json_SOURCES = tests/fuzz/fuzz_journal_json.c
tests_fuzz_fuzz_journal_json_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_journal_json_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_tcp_SOURCES = tests/fuzz/fuzz_tcp.c
tests_fuzz_fuzz_tcp_CFLAGS = $(AM_CFLAGS) $(PCAP_CFLAGS)
tests_fuzz_fuzz_tcp_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_tcp_LDADD = $(FUZZ_LDADD)
# The hook command splitter (lib/words.c): hamon.conf's and --on-*'s commands.
FUZZ_TARGETS += tests/fuzz/fuzz_words
tests_fuzz_fuzz_words_SOURCES = tests/fuzz/fuzz_words.c
tests_fuzz_fuzz_words_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_words_LDADD = $(FUZZ_LDADD)
endif

# The live page (--http): curl, the event stream and headless Chromium.
INTEGRATION_TESTS += tests/integration/dashboard.t
EXTRA_DIST += tests/integration/dash_cdp.py
if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz_dashauth
tests_fuzz_fuzz_dashauth_SOURCES = tests/fuzz/fuzz_dashauth.c
tests_fuzz_fuzz_dashauth_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dashauth_LDADD = $(FUZZ_LDADD)
endif
