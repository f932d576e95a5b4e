# SPDX-License-Identifier: ISC
# alert/webhook: the webhooks (webhook = URL), a listener on the monitor's
# bus driving libcurl's multi interface from the event loop. The one
# archive that sees libcurl's flags; its users link $(LIBCURL_LIBS).
noinst_LIBRARIES += alert/libwebhook.a
alert_libwebhook_a_SOURCES = alert/webhook.h alert/webhook.c
alert_libwebhook_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCURL_CFLAGS)
