# probes/netlink.c: the monitor's own view of the network (link, address,
# neighbour and route events from rtnetlink through libnl-3), added to the
# probes archive, whose CFLAGS already carry the libnl and libevent flags.
probes_libprobes_a_SOURCES += probes/netlink.h probes/netlink.c

