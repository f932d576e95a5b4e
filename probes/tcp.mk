# SPDX-License-Identifier: ISC
# TCP SYN probes (raw SYN + libpcap) and connect() probes, added to the
# probes archive, whose CFLAGS already carry the libevent and libpcap flags.
probes_libprobes_a_SOURCES += probes/tcp_pkt.h probes/tcp_pkt.c probes/tcp_syn.c \
	probes/tcp_connect.c
