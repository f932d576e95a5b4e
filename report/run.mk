# SPDX-License-Identifier: ISC
# Run reports: the report model and its arithmetic, the row model and one writer per format
# (text/JSON/CSV/Markdown/HTML with SVG timelines).
report_libreport_a_SOURCES += report/runreport.h report/runreport.c report/rows.h report/rows.c report/rows_view.c \
	report/render.h report/render.c report/render_view.c report/render_esc.c report/render_text.c \
	report/render_json.c report/render_csv.c report/render_md.c \
	report/render_html.c report/svg.c
nodist_report_libreport_a_SOURCES = report/report_css.h
EXTRA_DIST += report/report.css

# The HTML report's style sheet, embedded as a C array (sed, od and awk only:
# no xxd, which need not be installed), without its licence line.
# NUL-terminated, so it is one string.
BUILT_SOURCES += report/report_css.h
CLEANFILES += report/report_css.h
report/report_css.h: $(srcdir)/report/report.css
	@$(MKDIR_P) report
	$(AM_V_GEN)sed '/^\/\* SPDX-License-Identifier/d' $(srcdir)/report/report.css | od -An -v -tx1 | \
	$(AWK) 'BEGIN { print "/* Generated from report/report.css by report/run.mk. */"; \
		print "static const char render_css[] = {" } \
		{ s = ""; for (i = 1; i <= NF; i++) s = s "0x" $$i ","; print "\t" s } \
		END { print "\t0x00\n};" }' >$@.tmp && mv $@.tmp $@
# BUILT_SOURCES covers `make`, `make check` and `make install`, not a build
# of one named program (the CI's fuzz targets): say who needs the header.
report/render_html.$(OBJEXT): report/report_css.h
