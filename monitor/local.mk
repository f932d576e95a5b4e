noinst_LIBRARIES += monitor/libmonitor.a
monitor_libmonitor_a_SOURCES = monitor/monitor.h monitor/monitor.c monitor/losstrack.h \
	monitor/losstrack.c monitor/rtthist.h monitor/rtthist.c monitor/cmd_monitor.c monitor/cmd.h \
	monitor/cmd_run.c monitor/control.h monitor/control.c monitor/demo.c \
	monitor/monitor_int.h monitor/awareness.c monitor/metrics.h monitor/metrics.c
monitor_libmonitor_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)

bin_PROGRAMS += hamon
hamon_SOURCES = monitor/main.c
hamon_LDADD = monitor/libmonitor.a report/libreport.a bench/libbench.a store/libstore.a \
	probes/libprobes.a lib/libhamon.a $(SQLITE_LIBS) $(PCAP_LIBS) $(LIBNL_LIBS) $(LIBEVENT_LIBS) \
	$(LIBURING_LIBS) -lpthread -lm
