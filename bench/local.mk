# SPDX-License-Identifier: ISC
# bench/: `hamon bench` (CPU, memory and disk benchmarks) and the
# side-by-side report of stored bench runs. Only this archive sees
# liburing's flags; whatever links it adds $(LIBURING_LIBS) (empty when
# configure found no liburing, and then the disk tests use Linux AIO).
noinst_LIBRARIES += bench/libbench.a
bench_libbench_a_SOURCES = bench/bench.h bench/bench_int.h bench/bench_run.c bench/bench_ctl.c \
	bench/bench_cpu.c bench/bench_mem.c bench/bench_disk.c bench/bench_facts.c \
	bench/bench_report.c
bench_libbench_a_CFLAGS = $(AM_CFLAGS)
if HAVE_LIBURING
bench_libbench_a_CFLAGS += $(LIBURING_CFLAGS) -DHAVE_LIBURING
endif

# The bench tables live in the store's database; their SQL stays in store/.
store_libstore_a_SOURCES += store/bench_store.h store/bench_store.c

EXTRA_DIST += bench/bench_vs_peers.sh bench/probe_bench.sh bench/tcp_bench.sh bench/README.md
