# SPDX-License-Identifier: ISC
# probes/: every probe kind in one archive. Only this archive sees libpcap and
# libnl; libevent because each kind registers its own read events.
noinst_LIBRARIES += probes/libprobes.a
probes_libprobes_a_SOURCES = probes/probe.h probes/probe.c \
	probes/icmp_pkt.h probes/icmp_pkt.c probes/icmp.c probes/rxdrop.h probes/rxdrop.c
probes_libprobes_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PCAP_CFLAGS) $(LIBNL_CFLAGS)
