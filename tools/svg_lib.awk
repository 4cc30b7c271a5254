# SPDX-License-Identifier: MIT
# svg_lib.awk -- helpers the charts share: colours (SVG and terminal), escaping, axes.
# POSIX awk (mawk): loaded with -f before the chart's own script.

# Each model's colour, terminal colour and worker noun come from its row in
# models.conf (MODELS_CONF in the environment, set by tools/lib.sh): one
# palette for every chart, report.html and the terminal. The table is read
# as data, on first use; an unknown model is grey.
function models_load(    file, line, f, n) {
    models_loaded = 1
    file = ENVIRON["MODELS_CONF"]
    if (file == "")
        return
    while ((getline line < file) > 0) {
        n = split(line, f, /[ \t]+/)
        if (n < 8 || f[1] !~ /^[a-z]/)
            continue
        MODEL_NOUN_OF[f[1]] = f[3]
        MODEL_COLOUR_OF[f[1]] = f[4]
        MODEL_ANSI_OF[f[1]] = f[5]
        MODEL_SCHEDULE_OF[f[1]] = f[6]
    }
    close(file)
}

function model_color(m) {
    if (!models_loaded) models_load()
    return (m in MODEL_COLOUR_OF) ? MODEL_COLOUR_OF[m] : "#666666"
}

# The same model's colour as an ANSI code, for the terminal charts.
function ansi(m) {
    if (!models_loaded) models_load()
    return (m in MODEL_ANSI_OF) ? MODEL_ANSI_OF[m] : "39"
}

# What one "worker" of a model is called on an axis.
function worker_noun(m) {
    if (!models_loaded) models_load()
    return (m in MODEL_NOUN_OF) ? MODEL_NOUN_OF[m] : "worker"
}

function schedule_of(m) {
    if (!models_loaded) models_load()
    return (m in MODEL_SCHEDULE_OF) ? MODEL_SCHEDULE_OF[m] : "pool"
}

# A model's workers as a person reads them, by its schedule: long for a
# sentence ("10 threads", "no limit in flight", "2 loops x a share"), short
# for a table cell ("10", "no limit", "2x all"). w: its -w; p: its -p.
function workers_long(m, w, p,    s, n) {
    s = schedule_of(m); w += 0
    if (s == "serial") return "1 " worker_noun(m)
    if (s == "window") return w == 0 ? "no limit in flight" : "at most " w " in flight"
    if (s == "procs") return p " loops x " (w == 0 ? "a share" : w)
    n = worker_noun(m)
    return w " " n (w == 1 ? "" : (n ~ /s$/ ? "es" : "s"))
}

function workers_short(m, w, p,    s) {
    s = schedule_of(m); w += 0
    if (s == "serial") return "1"
    if (s == "window") return w == 0 ? "no limit" : w
    if (s == "procs") return p "x" (w == 0 ? "all" : w)
    return w
}

# A table from the grid cell[r, c] (row 0 the header, rows 1..nr; columns
# 1..nc), wid[c] its widest cell, align[c] 1 for right-aligned figures:
# as text for the terminal, Markdown, or HTML for report.html (escaped; with
# model_first, each row carries its model's data-model and colour).
function grid_print(style, nr, nc, model_first,    r, c, line, dash, k, m) {
    if (style == "html") {
        printf "<table class=\"results\">\n<thead><tr>"
        for (c = 1; c <= nc; c++)
            printf "<th%s scope=\"col\">%s</th>", align[c] ? " class=\"num\"" : "", xml_escape(cell[0, c])
        printf "</tr></thead>\n<tbody>\n"
        for (r = 1; r <= nr; r++) {
            m = cell[r, 1]
            if (model_first)
                printf "<tr data-model=\"%s\" style=\"--model: %s\"><td><span class=\"swatch\"></span>%s</td>", xml_escape(m), model_color(m), xml_escape(m)
            else
                printf "<tr><td%s>%s</td>", align[1] ? " class=\"num\"" : "", xml_escape(m)
            for (c = 2; c <= nc; c++)
                printf "<td%s>%s</td>", align[c] ? " class=\"num\"" : "", xml_escape(cell[r, c])
            printf "</tr>\n"
        }
        printf "</tbody>\n</table>\n"
        return
    }
    for (r = 0; r <= nr; r++) {
        line = style == "md" ? "|" : " "
        for (c = 1; c <= nc; c++) {
            if (style == "md") line = line " " cell[r, c] " |"
            else line = line " " sprintf(align[c] && r ? "%" wid[c] "s" : "%-" wid[c] "s", cell[r, c]) " "
        }
        sub(/ +$/, "", line)
        print line
        if (r > 0) continue
        line = style == "md" ? "|" : " "
        for (c = 1; c <= nc; c++) {
            dash = ""
            for (k = 0; k < (style == "md" ? 3 : wid[c]); k++) dash = dash "-"
            if (style == "md") line = line (align[c] ? " " dash ": |" : " " dash " |")
            else line = line " " dash " "
        }
        sub(/ +$/, "", line)
        print line
    }
}

function xml_escape(s) {
    gsub(/&/, "\\&amp;", s)
    gsub(/</, "\\&lt;", s)
    gsub(/>/, "\\&gt;", s)
    gsub(/"/, "\\&quot;", s)
    return s
}

# Seconds for people: 3 significant figures or so.
function fmt_s(x) {
    if (x >= 1000) return sprintf("%.0f s", x)
    if (x >= 100) return sprintf("%.1f s", x)
    if (x >= 10) return sprintf("%.1f s", x)
    if (x >= 1) return sprintf("%.2f s", x)
    return sprintf("%.3f s", x)
}

# A tick label: no trailing zeros ("0.5", "10", "2.25").
function fmt_tick(x,    s) {
    s = sprintf("%.3f", x)
    sub(/0+$/, "", s)
    sub(/\.$/, "", s)
    return s
}

# A "nice" step (1, 2 or 5 times a power of ten) giving about n ticks.
function nice_step(range, n,    raw, p, f) {
    if (range <= 0) return 1
    raw = range / n
    p = 1
    while (p * 10 <= raw) p *= 10
    while (p > raw) p /= 10
    f = raw / p
    if (f <= 1) return p
    if (f <= 2) return 2 * p
    if (f <= 5) return 5 * p
    return 10 * p
}

function svg_open(w, h, title) {
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h, w, h
    printf "<title>%s</title>\n", xml_escape(title)
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
}

function svg_close() {
    printf "</svg>\n"
}

function svg_text(x, y, s, anchor, extra) {
    printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>\n", x, y, anchor, extra, xml_escape(s)
}

# A linear time axis under a plot: ticks in seconds, a label under them.
function svg_time_axis(x0, x1, y, tmax, label,    step, t, x, n) {
    printf "<g class=\"axis\" stroke=\"#333333\">\n"
    printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, y, x1, y
    step = nice_step(tmax, 8)
    for (t = 0; t <= tmax * 1.0001 && n < 50; t += step) {
        x = x0 + (x1 - x0) * t / tmax
        printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, y, x, y + 4
        printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\">%s</text>\n", x, y + 16, fmt_tick(t)
        n++
    }
    printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\">%s</text>\n", (x0 + x1) / 2, y + 32, xml_escape(label)
    printf "</g>\n"
}

# Read a CSV header line into col[name] = field number.
function read_header(    i) {
    for (i = 1; i <= NF; i++) col[$i] = i
}
