# SPDX-License-Identifier: ISC
# store/: the SQLite store. The only archive that sees sqlite's flags; its
# users link $(SQLITE_LIBS) themselves (see tests/unit/local.mk).
noinst_LIBRARIES += store/libstore.a
store_libstore_a_SOURCES = store/store.c store/store_path.c store/store_sql.c store/store_queue.c \
	store/store_writer.c store/store_rollup.c store/store_recover.c store/store_session.c \
	store/schema.c store/query.c store/store_view.c store/store_view.h \
	store/hv_import.c store/avail.c store/store.h store/store_int.h store/hvstore.h
store_libstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
EXTRA_DIST += store/SCHEMA.md
