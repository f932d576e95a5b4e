# libFuzzer targets (./configure CC=clang --enable-fuzzing). Run one with
#   tests/fuzz/fuzz_icmp -max_total_time=60 tests/fuzz/corpus/icmp
# tests/fuzz/run.sh runs each for a bounded time over its committed corpus.
FUZZ_LDADD = monitor/libmonitor.a report/libreport.a hv/libhv.a bench/libbench.a store/libstore.a \
	probes/libprobes.a lib/libhamon.a $(SQLITE_LIBS) $(PCAP_LIBS) $(LIBNL_LIBS) $(LIBEVENT_LIBS) \
	$(LIBURING_LIBS) -lpthread -lm
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/corpus
if FUZZING
FUZZ_TARGETS = tests/fuzz/fuzz_duration tests/fuzz/fuzz_target tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_icmp tests/fuzz/fuzz_hvparse tests/fuzz/fuzz_tcp
noinst_PROGRAMS += $(FUZZ_TARGETS)
tests_fuzz_fuzz_duration_SOURCES = tests/fuzz/fuzz_duration.c
tests_fuzz_fuzz_duration_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_duration_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_target_SOURCES = tests/fuzz/fuzz_target.c
tests_fuzz_fuzz_target_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_target_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_icmp_SOURCES = tests/fuzz/fuzz_icmp.c
tests_fuzz_fuzz_icmp_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_icmp_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_hvparse_SOURCES = tests/fuzz/fuzz_hvparse.c
tests_fuzz_fuzz_hvparse_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_hvparse_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_tcp_SOURCES = tests/fuzz/fuzz_tcp.c
tests_fuzz_fuzz_tcp_CFLAGS = $(AM_CFLAGS) $(PCAP_CFLAGS)
tests_fuzz_fuzz_tcp_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_tcp_LDADD = $(FUZZ_LDADD)
endif
