# SPDX-License-Identifier: ISC
# alert/hooks: the exec hooks (on-down, on-up, on-unknown), a listener on the
# monitor's bus. An archive of its own so that other alert/ fragments
# (webhooks) stay separate files.
noinst_LIBRARIES += alert/libhooks.a
alert_libhooks_a_SOURCES = alert/hooks.h alert/hooks.c
alert_libhooks_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
