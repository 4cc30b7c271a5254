# SPDX-License-Identifier: MIT
# term_timeline.awk -- one model's requests drawn in the terminal: x = time
# (the model's own scale, fitted to the width), one row per worker. The
# class sees serial's one long row, the pools' waves (consecutive requests
# of a worker alternate between two glyphs) and async's single block.
#
#   awk -f svg_lib.awk -f term_timeline.awk -v model=M -v cols=80 \
#       -v maxrows=12 -v color=1 -v utf8=1 results.csv requests.csv
#
# More workers than maxrows (async with 100 slots): rows are folded, each
# row standing for a band of consecutive workers, and a note says so.

BEGIN {
    FS = ","
    if (cols < 40) cols = 40
    if (maxrows < 1) maxrows = 12
    full = utf8 ? "█" : "#"
    alt = utf8 ? "▒" : "="
    failg = "x"
    listg = "L"   # a frontier crawl's list pages: a letter, not a colour alone
}

FNR == 1 { delete col; read_header(); file++; next }

file == 1 {
    if ($col["model"] != model) next
    wall = $col["wall_s"] + 0
    ideal = $col["ideal_s"] + 0
    nw = $col["workers"] + 0
    next
}

$col["model"] == model {
    k = ++n
    w = $col["worker"] + 0
    rw[k] = w
    rs[k] = $col["start_s"] + 0
    re[k] = $col["end_s"] + 0
    rfail[k] = ($col["status"] != 200 || $col["error"] != "")
    rpar[k] = seq[w]++ % 2
    rlist[k] = $col["kind"] == "list"
    lists += rlist[k]
    if (w + 1 > nrows) nrows = w + 1
    if (re[k] > tmax) tmax = re[k]
    busy += re[k] - rs[k]
}


function paint(s, code) { return color ? "\033[" code "m" s "\033[0m" : s }

# The label of a row standing for workers a..b.
function row_label(a, b) {
    return a == b ? worker_noun(model) " " a : worker_noun(model) "s " a "-" b
}

END {
    if (n == 0) { print "  (no requests recorded)"; exit }
    if (wall > tmax) tmax = wall
    if (tmax <= 0) tmax = 1
    # Fold into bands of 1, 2, 5, 10, 20, 50 ... workers: round numbers.
    group = 1
    while (group * maxrows < nrows)
        group = (group ~ /^1/) ? group * 2 : (group ~ /^2/) ? group * 5 / 2 : group * 2
    rows = int((nrows + group - 1) / group)
    for (r = 0; r < rows; r++) {
        last = (r + 1) * group - 1
        if (last > nrows - 1) last = nrows - 1
        label[r] = row_label(r * group, last)
        if (length(label[r]) > lw) lw = length(label[r])
    }
    plot = cols - lw - 9   # room for the last tick label and its unit
    dt = tmax / plot
    alternate = (busy / n) / dt >= 2   # requests wide enough to tell apart

    # Each request covers the cells its rounded start..end spans (at least one).
    for (k = 1; k <= n; k++) {
        r = int(rw[k] / group)
        a = int(rs[k] / dt + 0.5)
        b = int(re[k] / dt + 0.5) - 1
        if (b < a) b = a
        if (b >= plot) b = plot - 1
        g = rfail[k] ? 3 : rlist[k] ? 4 : (alternate && rpar[k] ? 2 : 1)
        for (c = a; c <= b; c++)
            if (cell[r, c] != 3) cell[r, c] = g
    }
    for (r = 0; r < rows; r++) {
        line = sprintf("  %" lw "s |", label[r])
        run = ""; runc = ""
        for (c = 0; c < plot; c++) {
            g = cell[r, c]
            ch = g == 1 ? full : g == 2 ? alt : g == 3 ? failg : g == 4 ? listg : " "
            code = g == 3 ? "90" : ansi(model)
            if (g == 0) code = ""
            if (code != runc) { line = line (runc == "" ? run : paint(run, runc)); run = ""; runc = code }
            run = run ch
        }
        line = line (runc == "" ? run : paint(run, runc))
        print line
    }
    axis()
    if (lists)
        printf "  (%s: a list page, whose links are the detail pages %s%s)\n", listg, full, alternate ? alt : ""
    if (group > 1)
        printf "  (%d %ss folded into %d rows of %d: a row shows a request wherever any of its %ss has one)\n", nrows, worker_noun(model), rows, group, worker_noun(model)
}

# Tick labels under the plot at nice steps, where they fit.
function axis(    step, t, pos, s, line, used, i) {
    line = sprintf("  %" lw "s +", "")
    for (i = 0; i < plot; i++) line = line "-"
    print line
    line = sprintf("  %" lw "s  ", "")
    used = 0
    step = nice_step(tmax, plot / 10)
    for (t = 0; t <= tmax * 1.0001; t += step) {
        pos = int(t / dt + 0.5)
        s = fmt_tick(t)
        if (pos < used) continue
        if (pos + length(s) > plot + 4) break
        while (used < pos) { line = line " "; used++ }
        line = line s
        used += length(s) + 1
        line = line " "
    }
    print line "s"
}
