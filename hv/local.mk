# SPDX-License-Identifier: ISC
# hv/: what hypervisors say, as figures and events with their own times:
# Proxmox task logs, the HA journal, QMP. Owns no timer and writes no SQL.
noinst_LIBRARIES += hv/libhv.a
hv_libhv_a_SOURCES = hv/hvparse.h hv/hv_int.h hv/hvparse.c hv/cursor.c hv/pve_task.c \
	hv/ha_journal.c hv/journal_json.c hv/qmp.c
hv_libhv_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
EXTRA_DIST += tests/fixtures/pve
