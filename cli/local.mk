# SPDX-License-Identifier: ISC
# cli/: hamon's entry point and one file per subcommand. The only room that
# sees every other one; it holds no measurement logic of its own.
noinst_LIBRARIES += cli/libcli.a
cli_libcli_a_SOURCES = cli/cmd.h cli/cli_opt.h cli/cli_opt.c cli/cmd_monitor.c cli/cmd_run.c cli/cmd_mark.c \
	cli/cmd_history.c cli/cmd_report.c cli/cmd_bench.c cli/demo.c cli/notify.h cli/notify.c \
	cli/cmd_import.c cli/cmd_targets.c cli/live.h cli/live.c
cli_libcli_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JANSSON_CFLAGS) $(NCURSES_CFLAGS)
# sd_notify for the systemd service (cli/notify.c); optional.
if HAVE_LIBSYSTEMD
cli_libcli_a_CFLAGS += $(LIBSYSTEMD_CFLAGS) -DHAVE_LIBSYSTEMD
endif

bin_PROGRAMS += hamon
hamon_SOURCES = cli/main.c
hamon_LDADD = cli/libcli.a alert/libhooks.a alert/libwebhook.a monitor/libmonitor.a report/libreport.a hv/libhv.a bench/libbench.a \
	store/libstore.a probes/libprobes.a lib/libhamon.a $(SQLITE_LIBS) $(JANSSON_LIBS) $(PCAP_LIBS) \
	$(LIBNL_LIBS) $(LIBEVENT_LIBS) $(LIBURING_LIBS) $(LIBSYSTEMD_LIBS) $(NCURSES_LIBS) $(LIBCURL_LIBS) -lpthread -lm
