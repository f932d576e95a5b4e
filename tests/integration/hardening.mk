# Hardening tests (issue 7), included from Makefile.am after
# tests/integration/local.mk, whose TEST_EXTENSIONS and T_LOG_DRIVER run
# them as TAP scripts.
#   crash_loop.t  root: 20 kill -9 of a 100-target monitor on one database
#   diskfull.t    root: the database on a small tmpfs that fills up
#   bad_input.t   any user: every case in tests/bad-input/ (see its README)
HARDENING_TESTS = \
	tests/integration/crash_loop.t \
	tests/integration/diskfull.t \
	tests/integration/bad_input.t
TESTS += $(HARDENING_TESTS)
EXTRA_DIST += $(HARDENING_TESTS) tests/bad-input
