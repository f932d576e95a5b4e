# SPDX-License-Identifier: ISC
noinst_LIBRARIES += monitor/libmonitor.a
monitor_libmonitor_a_SOURCES = monitor/monitor.h monitor/monitor.c monitor/sched.c monitor/rxsync.c monitor/results.c monitor/losstrack.h \
	monitor/losstrack.c monitor/rtthist.h monitor/rtthist.c monitor/control.h monitor/control.c \
	monitor/monitor_int.h monitor/aware.h monitor/awareness.c monitor/spans.h monitor/spans.c monitor/metrics.h monitor/metrics.c monitor/mclock.h \
	monitor/events.h monitor/events.c monitor/prompt.c monitor/dash.h monitor/dash.c monitor/dashauth.h monitor/dashauth.c
monitor_libmonitor_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)

# The live page (monitor/dash.html, inline CSS and JS), embedded as a C
# string the way report/run.mk embeds report.css, without its licence line.
nodist_monitor_libmonitor_a_SOURCES = monitor/dash_html.h
EXTRA_DIST += monitor/dash.html
BUILT_SOURCES += monitor/dash_html.h
CLEANFILES += monitor/dash_html.h
monitor/dash_html.h: $(srcdir)/monitor/dash.html
	@$(MKDIR_P) monitor
	$(AM_V_GEN)sed '/^<!-- SPDX-License-Identifier/d' $(srcdir)/monitor/dash.html | od -An -v -tx1 | \
	$(AWK) 'BEGIN { print "/* SPDX-License-Identifier: ISC */"; \
		print "/* Generated from monitor/dash.html by monitor/local.mk. */"; \
		print "static const char dash_html[] = {" } \
		{ s = ""; for (i = 1; i <= NF; i++) s = s "0x" $$i ","; print "\t" s } \
		END { print "\t0x00\n};" }' >$@.tmp && mv $@.tmp $@
# (the archive has its own CFLAGS, hence the prefixed object name)
monitor/libmonitor_a-dash.$(OBJEXT): monitor/dash_html.h
