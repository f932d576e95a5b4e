# Run reports: the report model and its arithmetic, and the
# text/JSON/CSV/Markdown/HTML renderers.
report_libreport_a_SOURCES += report/runreport.h report/runreport.c report/render.c
