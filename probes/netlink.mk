# probes/netlink.c: the monitor's own view of the network (link, address,
# neighbour and route events from rtnetlink through libnl-3), added to the
# probes archive, whose CFLAGS already carry the libnl and libevent flags.
probes_libprobes_a_SOURCES += probes/netlink.h probes/netlink_int.h probes/netlink.c \
	probes/netlink_event.c probes/netlink_lookup.c

# Classification and text as pure functions, plus a live run in a private
# network namespace (root only; a TAP skip otherwise).
check_PROGRAMS += tests/unit/test_netlink
TESTS += tests/unit/test_netlink
tests_unit_test_netlink_SOURCES = tests/unit/test_netlink.c
tests_unit_test_netlink_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBNL_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_netlink_LDADD = $(UNIT_LDADD)

# Netlink events through `hamon monitor` (skips until the monitor has them).
TESTS += tests/integration/netlink.t
EXTRA_DIST += tests/integration/netlink.t
