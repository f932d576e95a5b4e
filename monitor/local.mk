# SPDX-License-Identifier: ISC
noinst_LIBRARIES += monitor/libmonitor.a
monitor_libmonitor_a_SOURCES = monitor/monitor.h monitor/monitor.c monitor/sched.c monitor/rxsync.c monitor/results.c monitor/losstrack.h \
	monitor/losstrack.c monitor/rtthist.h monitor/rtthist.c monitor/control.h monitor/control.c \
	monitor/monitor_int.h monitor/aware.h monitor/awareness.c monitor/spans.h monitor/spans.c monitor/metrics.h monitor/metrics.c monitor/mclock.h \
	monitor/events.h monitor/events.c monitor/prompt.c
monitor_libmonitor_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
