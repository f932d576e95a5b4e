# Run reports: hypervisor figures from a wrapped command's output, the report
# model and its arithmetic, and the text/JSON/CSV/Markdown/HTML renderers.
report_libreport_a_SOURCES += report/hvparse.h report/hvparse.c \
	report/runreport.h report/runreport.c report/render.c
EXTRA_DIST += tests/fixtures/pve
