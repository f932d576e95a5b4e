# Integration tests: TAP shell scripts (tests/integration/*.t) run by
# `make check`; those that need root, network namespaces or nftables print
# a TAP skip with the reason otherwise. They find hamon in $HAMON and the
# fault injector at $(top_builddir)/tests/helpers/faultctl (TESTS_ENVIRONMENT
# in the top-level Makefile.am exports HAMON, top_srcdir and top_builddir).

# The fault injector links libnftables; without it the fault tests skip.
if HAVE_NFTABLES
check_PROGRAMS += tests/helpers/faultctl
tests_helpers_faultctl_SOURCES = tests/helpers/faultctl.c
tests_helpers_faultctl_CFLAGS = $(AM_CFLAGS) $(NFTABLES_CFLAGS)
tests_helpers_faultctl_LDADD = $(NFTABLES_LIBS)
endif

INTEGRATION_TESTS = \
	tests/integration/cli.t \
	tests/integration/faultctl.t \
	tests/integration/outage_icmp.t \
	tests/integration/ipv6.t \
	tests/integration/kill9.t \
	tests/integration/flood.t \
	tests/integration/tcp_outage.t \
	tests/integration/run.t \
	tests/integration/privileges.t \
	tests/integration/stall.t \
	tests/integration/reader.t \
	tests/integration/history_merge.t \
	tests/integration/demo.t \
	tests/integration/metrics.t
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh

# The scripts are executable and start with #!/bin/bash; they speak TAP.
TEST_EXTENSIONS = .t
T_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
