/* SPDX-License-Identifier: ISC */
/* probe.c: what every probe kind shares. */
#include "probes/probe.h"

/* The stored and printed name of a result: "ok", "timeout", "unreach", "refused", "late". */
const char *
probe_result_name(enum probe_result r)
{
	switch (r) {
	case PROBE_OK:
		return "ok";
	case PROBE_TIMEOUT:
		return "timeout";
	case PROBE_UNREACH:
		return "unreach";
	case PROBE_REFUSED:
		return "refused";
	case PROBE_LATE:
		return "late";
	case PROBE_UNKNOWN:
		return "unknown";
	}
	return "?";
}
