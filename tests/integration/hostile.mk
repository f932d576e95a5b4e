# Hostile input on the wire (issue 7): tests/helpers/hostile floods the
# monitor from the test host with forged, truncated, corrupt and foreign
# packets; tests/integration/hostile.t checks that hamon's statistics and
# outages come through untouched. Needs root (raw sockets, namespaces) and
# the fault injector; skips otherwise.
check_PROGRAMS += tests/helpers/hostile
tests_helpers_hostile_SOURCES = tests/helpers/hostile.c

TESTS += tests/integration/hostile.t
EXTRA_DIST += tests/integration/hostile.t
