#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# formats.check.py DOC MONITOR_OUT PROM_PAGE KIND...: the checker of
# formats.t. Holds the JSON lines of `hamon monitor --format json` and the
# families of a scraped --metrics page to the checked tables of
# report/FORMATS.md, reading the document each time so that a field, kind,
# code or metric added to it needs nothing here. Prints one line per check,
# "ok TEXT" or "not ok TEXT", then "# TEXT" lines that explain a failure.
#
# A JSON line belongs to the monitor-* table whose `event` row lists its
# event (in backquotes); when two do (`unknown`: a window or netlink's own
# overrun), to the first that documents all its keys. Every key must be
# documented with the type it has (a number's decimals as the unit says);
# every field of each KIND given must appear in some line of that kind.
import json
import re
import sys

TYPES = ("string", "integer", "number", "boolean", "null", "object", "array")


class Num:
    """A JSON number as written: its text decides integer or decimals."""

    def __init__(self, text):
        self.text = text


def tables(doc, prefix):
    """{name: [row cells]} of every table after "<!-- PREFIX: name -->"."""
    out = {}
    for m in re.finditer(r"^<!-- %s: (\S+) -->\n((?:\|.*\n)+)" % prefix, doc, re.M):
        rows = []
        for line in m.group(2).splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not cells[0].startswith("`"):
                continue  # header and separator
            rows.append(cells)
        out[m.group(1)] = rows
    return out


def first_name(cell):
    """The first backquoted name of a cell."""
    m = re.match(r"`([^`]+)`", cell)
    return m.group(1) if m else None


def field_table(rows, table):
    """{field: (types, decimals or None)} of a checked fields table."""
    fields = {}
    for cells in rows:
        name = first_name(cells[0])
        types = set(w for w in cells[1].split() if w != "or")
        bad = types - set(TYPES)
        if name is None or not types or bad:
            sys.exit("FORMATS.md %s: bad row %s" % (table, cells))
        m = re.search(r"(\d+) decimal", cells[2]) if len(cells) > 2 else None
        fields[name] = (types, int(m.group(1)) if m else None)
    return fields


def reject_constant(name):
    """NaN and Infinity are not JSON (FORMATS.md: missing numbers are null)."""
    raise ValueError(name + " is not JSON")


def value_type(v):
    """The FORMATS.md type of a parsed value, and a number's decimals."""
    if isinstance(v, Num):
        if re.fullmatch(r"-?[0-9]+", v.text):
            return "integer", None
        m = re.fullmatch(r"-?[0-9]+\.([0-9]+)", v.text)
        return ("number", len(m.group(1))) if m else ("bad number " + v.text, None)
    if v is None:
        return "null", None
    if isinstance(v, bool):
        return "boolean", None
    if isinstance(v, str):
        return "string", None
    return ("object" if isinstance(v, dict) else "array"), None


def events_of(rows):
    """The event values a monitor table's `event` row lists."""
    for cells in rows:
        if first_name(cells[0]) == "event":
            return re.findall(r"`([^`]+)`", cells[-1])
    return []


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, ok, text, why=()):
        print(("ok " if ok else "not ok ") + text)
        if not ok:
            self.failed += 1
            for w in list(why)[:20]:
                print("# " + w)


def check_lines(doc, path, kinds, rep):
    mon = {n: field_table(r, n) for n, r in tables(doc, "fields").items()
           if n.startswith("monitor-")}
    raw = tables(doc, "fields")
    events = {n: events_of(raw[n]) for n in mon}
    codes = set(first_name(c[0]) for c in tables(doc, "values").get("unknown-code", []))
    seen = {n: set() for n in mon}
    lines = {n: 0 for n in mon}
    bad, nlines = [], 0
    with open(path) as f:
        for i, text in enumerate(f, 1):
            nlines += 1
            try:
                obj = json.loads(text, parse_int=Num, parse_float=Num,
                                 parse_constant=reject_constant)
            except ValueError as e:
                bad.append("line %d is not JSON (%s): %s" % (i, e, text.strip()))
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("event"), str):
                bad.append("line %d has no \"event\": %s" % (i, text.strip()))
                continue
            cands = [n for n in mon if obj["event"] in events[n]]
            if not cands:
                bad.append("line %d: event \"%s\" is in no table" % (i, obj["event"]))
                continue
            fit = [n for n in cands if set(obj) <= set(mon[n])]
            if not fit:
                extra = sorted(set(obj) - set(mon[cands[0]]))
                bad.append("line %d (%s): %s not documented in %s" %
                           (i, obj["event"], ", ".join(extra), " or ".join(cands)))
                continue
            n = fit[0]
            lines[n] += 1
            for k, v in obj.items():
                t, d = value_type(v)
                types, want_d = mon[n][k]
                seen[n].add(k)
                if t not in types:
                    bad.append("line %d (%s): \"%s\" is %s, documented %s" %
                               (i, n, k, t, " or ".join(sorted(types))))
                elif t == "number" and want_d is not None and d != want_d:
                    bad.append("line %d (%s): \"%s\" has %d decimals, documented %d" %
                               (i, n, k, d, want_d))
            if n == "monitor-unknown" and obj.get("code") not in codes:
                bad.append("line %d: UNKNOWN code \"%s\" is not in the unknown-code table" %
                           (i, obj.get("code")))
    rep.check(nlines > 0 and not bad,
              "every one of %d lines is of a documented kind, with documented keys and types"
              % nlines, bad)
    for n in kinds:
        if n not in mon:
            rep.check(False, "FORMATS.md has a table %s" % n)
            continue
        missing = sorted(set(mon[n]) - seen[n])
        rep.check(lines[n] > 0 and not missing,
                  "%s: %d lines, every documented field seen" % (n, lines[n]),
                  ["never written: " + ", ".join(missing)] if missing else
                  ["no line of this kind"] if lines[n] == 0 else [])
    undone = sorted(set(mon) - set(kinds))
    if undone:
        print("# tables this run does not produce, not checked: " + ", ".join(undone))


def check_metrics(doc, path, rep):
    rows = tables(doc, "fields").get("metrics", [])
    want = {}
    for cells in rows:
        name = re.sub(r"\{.*", "", first_name(cells[0]) or "")
        want[name] = cells[1]
    got = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"# TYPE (\S+) (\S+)", line)
            if m:
                got[m.group(1)] = m.group(2)
    rep.check(len(want) > 0 and len(got) > 0 and set(want) == set(got),
              "the page's %d metric families are the table's %d" % (len(got), len(want)),
              ["on the page, not in FORMATS.md: " + n for n in sorted(set(got) - set(want))] +
              ["in FORMATS.md, not on the page: " + n for n in sorted(set(want) - set(got))])
    wrong = ["%s is a %s, documented %s" % (n, got[n], want[n])
             for n in sorted(set(got) & set(want)) if got[n] != want[n]]
    rep.check(not wrong, "each family has its documented type", wrong)


def main():
    doc_path, mon_path, prom_path = sys.argv[1:4]
    with open(doc_path) as f:
        doc = f.read()
    rep = Report()
    check_lines(doc, mon_path, sys.argv[4:], rep)
    check_metrics(doc, prom_path, rep)
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
