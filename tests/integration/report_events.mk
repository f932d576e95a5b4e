# report_events.t: network events and bench runs in a run's report (needs
# root and network namespaces; skips otherwise). Included by the lead.
TESTS += tests/integration/report_events.t
EXTRA_DIST += tests/integration/report_events.t tests/integration/report_events.mk
