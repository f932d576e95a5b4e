# SPDX-License-Identifier: ISC
# probes/netlink.c: the monitor's own view of the network (link, address,
# neighbour and route events from rtnetlink through libnl-3), added to the
# probes archive, whose CFLAGS already carry the libnl and libevent flags.
probes_libprobes_a_SOURCES += probes/netlink.h probes/netlink_int.h probes/netlink.c \
	probes/netlink_event.c probes/netlink_lookup.c

