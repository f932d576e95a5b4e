# SPDX-License-Identifier: ISC
# lib/: logging, allocators, the duration/number/time parsers, SipHash, target
# specs, the configuration file, and the JSON writer and --format parser of
# every output. Needs nothing beyond libc.
noinst_LIBRARIES += lib/libhamon.a
lib_libhamon_a_SOURCES = lib/json.h lib/json.c lib/jsonw.h lib/jsonw.c \
	lib/outfmt.h lib/outfmt.c lib/privdrop.h lib/privdrop.c \
	lib/config.c lib/config.h lib/fdlimit.c lib/fdlimit.h \
	lib/listenaddr.c lib/listenaddr.h \
	lib/log.c lib/log.h lib/words.c lib/words.h lib/weburl.c lib/weburl.h \
	lib/siphash.c lib/siphash.h \
	lib/target.c lib/target.h \
	lib/timeutil.c lib/timeutil.h \
	lib/xalloc.c lib/xalloc.h
