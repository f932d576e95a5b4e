# SPDX-License-Identifier: ISC
# cmocka unit tests; each prints TAP (CMOCKA_MESSAGE_OUTPUT=TAP). The one
# list of unit tests (included from tests/local.mk): a new one goes here.
UNIT_LDADD = monitor/libmonitor.a report/libreport.a hv/libhv.a bench/libbench.a store/libstore.a \
	probes/libprobes.a lib/libhamon.a $(CMOCKA_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) $(PCAP_LIBS) $(LIBNL_LIBS) \
	$(LIBEVENT_LIBS) $(LIBURING_LIBS) -lpthread -lm
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

UNIT_TESTS = tests/unit/test_timeutil tests/unit/test_target tests/unit/test_config \
	tests/unit/test_bench tests/unit/test_netlink tests/unit/test_netlink_link \
	tests/unit/test_store tests/unit/test_store_recovery tests/unit/test_store_runs \
	tests/unit/test_store_migrate tests/unit/test_store_rollup \
	tests/unit/test_icmp tests/unit/test_monitor \
	tests/unit/test_tcp tests/unit/test_hvparse tests/unit/test_runreport \
	tests/unit/test_render tests/unit/test_runreport_events \
	tests/unit/test_store_windows \
	tests/unit/test_jsonw tests/unit/test_outfmt tests/unit/test_formats \
	tests/unit/test_render_drift \
	tests/unit/test_sched tests/unit/test_windows tests/unit/test_fdlimit \
	tests/unit/test_control tests/unit/test_rxdrop tests/unit/test_hooks \
	tests/unit/test_avail tests/unit/test_webhook
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_timeutil_SOURCES = tests/unit/test_timeutil.c
tests_unit_test_timeutil_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_timeutil_LDADD = $(UNIT_LDADD)
tests_unit_test_target_SOURCES = tests/unit/test_target.c
tests_unit_test_target_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_target_LDADD = $(UNIT_LDADD)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_bench_SOURCES = tests/unit/test_bench.c
tests_unit_test_bench_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bench_LDADD = bench/libbench.a $(UNIT_LDADD) $(LIBURING_LIBS)
# Classification and text as pure functions, plus a live run in a private
# network namespace (root only; a TAP skip otherwise).
tests_unit_test_netlink_SOURCES = tests/unit/test_netlink.c
tests_unit_test_netlink_CFLAGS = $(UNIT_CFLAGS) $(LIBNL_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_netlink_LDADD = $(UNIT_LDADD)
# Link messages from their bytes, and bridge/bond/vlan usability: pure.
tests_unit_test_netlink_link_SOURCES = tests/unit/test_netlink_link.c
tests_unit_test_netlink_link_CFLAGS = $(UNIT_CFLAGS) $(LIBNL_CFLAGS)
tests_unit_test_netlink_link_LDADD = $(UNIT_LDADD)
# The store's tests share store_fixture.c (setup, SQL helpers, collectors).
STORE_FIXTURE = tests/unit/store_fixture.c tests/unit/store_fixture.h
tests_unit_test_store_SOURCES = tests/unit/test_store.c $(STORE_FIXTURE)
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_store_recovery_SOURCES = tests/unit/test_store_recovery.c $(STORE_FIXTURE)
tests_unit_test_store_recovery_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_recovery_LDADD = $(UNIT_LDADD)
tests_unit_test_store_runs_SOURCES = tests/unit/test_store_runs.c $(STORE_FIXTURE)
tests_unit_test_store_runs_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_runs_LDADD = $(UNIT_LDADD)
tests_unit_test_store_migrate_SOURCES = tests/unit/test_store_migrate.c $(STORE_FIXTURE)
tests_unit_test_store_migrate_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_migrate_LDADD = $(UNIT_LDADD)
tests_unit_test_store_rollup_SOURCES = tests/unit/test_store_rollup.c $(STORE_FIXTURE)
tests_unit_test_store_rollup_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_rollup_LDADD = $(UNIT_LDADD)
tests_unit_test_store_windows_SOURCES = tests/unit/test_store_windows.c
tests_unit_test_store_windows_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_windows_LDADD = $(UNIT_LDADD)
# A version 4 database written by the store as it was before version 5.
EXTRA_DIST += tests/fixtures/store/v4.db
tests_unit_test_icmp_SOURCES = tests/unit/test_icmp.c
tests_unit_test_icmp_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_icmp_LDADD = $(UNIT_LDADD)
tests_unit_test_monitor_SOURCES = tests/unit/test_monitor.c
tests_unit_test_monitor_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_monitor_LDADD = $(UNIT_LDADD)
tests_unit_test_fdlimit_SOURCES = tests/unit/test_fdlimit.c
tests_unit_test_fdlimit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fdlimit_LDADD = $(UNIT_LDADD)
tests_unit_test_control_SOURCES = tests/unit/test_control.c
tests_unit_test_control_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_control_LDADD = $(UNIT_LDADD)
tests_unit_test_sched_SOURCES = tests/unit/test_sched.c
tests_unit_test_sched_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_sched_LDADD = $(UNIT_LDADD)
tests_unit_test_windows_SOURCES = tests/unit/test_windows.c
tests_unit_test_windows_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_windows_LDADD = $(UNIT_LDADD)
tests_unit_test_rxdrop_SOURCES = tests/unit/test_rxdrop.c
tests_unit_test_rxdrop_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_rxdrop_LDADD = $(UNIT_LDADD)
tests_unit_test_tcp_SOURCES = tests/unit/test_tcp.c
tests_unit_test_tcp_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS) $(PCAP_CFLAGS)
tests_unit_test_tcp_LDADD = $(UNIT_LDADD)
tests_unit_test_hvparse_SOURCES = tests/unit/test_hvparse.c
tests_unit_test_hvparse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hvparse_LDADD = $(UNIT_LDADD)
# The run report's tests share runreport_fixture.c (the fixed report, rendering).
RUNREPORT_FIXTURE = tests/unit/runreport_fixture.c tests/unit/runreport_fixture.h
tests_unit_test_runreport_SOURCES = tests/unit/test_runreport.c $(RUNREPORT_FIXTURE)
tests_unit_test_runreport_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runreport_LDADD = $(UNIT_LDADD)
tests_unit_test_render_SOURCES = tests/unit/test_render.c $(RUNREPORT_FIXTURE)
tests_unit_test_render_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_render_LDADD = $(UNIT_LDADD)
tests_unit_test_runreport_events_SOURCES = tests/unit/test_runreport_events.c $(RUNREPORT_FIXTURE)
tests_unit_test_runreport_events_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runreport_events_LDADD = $(UNIT_LDADD)
tests_unit_test_jsonw_SOURCES = tests/unit/test_jsonw.c
tests_unit_test_jsonw_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_jsonw_LDADD = $(UNIT_LDADD)
tests_unit_test_outfmt_SOURCES = tests/unit/test_outfmt.c
tests_unit_test_outfmt_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_outfmt_LDADD = $(UNIT_LDADD)
# Holds history, bench, run report and label aggregate output to
# report/FORMATS.md (read via $top_srcdir, as are the PVE logs its rich run wrote).
tests_unit_test_formats_SOURCES = tests/unit/test_formats.c
tests_unit_test_formats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_formats_LDADD = $(UNIT_LDADD)
EXTRA_DIST += report/FORMATS.md
tests_unit_test_render_drift_SOURCES = tests/unit/test_render_drift.c
tests_unit_test_render_drift_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_render_drift_LDADD = $(UNIT_LDADD)

# The hook command splitter, the hook keys and a hook's environment.
tests_unit_test_hooks_SOURCES = tests/unit/test_hooks.c
tests_unit_test_hooks_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hooks_LDADD = alert/libhooks.a $(UNIT_LDADD)
tests_unit_test_avail_SOURCES = tests/unit/test_avail.c
tests_unit_test_avail_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_avail_LDADD = $(UNIT_LDADD)
tests_unit_test_webhook_SOURCES = tests/unit/test_webhook.c
tests_unit_test_webhook_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_webhook_LDADD = alert/libwebhook.a $(UNIT_LDADD) $(LIBCURL_LIBS)
