# SPDX-License-Identifier: MIT
# report_html.awk -- the parts of report.html that are not already drawn by
# the other tools (tools/report_html puts the page together; the tables are
# table.awk's and sweep_table.awk's, written as HTML directly):
#
#   part=facts   results.csv -> <dl> of what was run (-v cores= -v lesson=)
#   part=lesson  results.csv -> the run's one-paragraph lesson, from its figures
#   part=wall    results.csv -> wall time on a log axis and speed-up bars (SVG)
#
#   awk -f svg_lib.awk -f report_html.awk -v part=wall results.csv
#
# Columns are read by their header names, and the models come from the
# data, so a new column or model needs nothing here. POSIX awk (mawk).

BEGIN { FS = "," }

FNR == 1 { read_header(); next }

{
    m = $col["model"]
    r = ++rows
    model[r] = m
    wall[r] = $col["wall_s"]
    ideal[r] = $col["ideal_s"] + 0
    cpu[r] = $col["cpu_s"] + 0
    workers[r] = $col["workers"] + 0
    procs[r] = $col["processes"] + 0
    failed[r] = $col["failed"] + 0
    peak[r] = $col["peak_in_flight"]
    nreq = $col["requests"] + 0
    delay = $col["delay_s"] + 0
    if ("lesson" in col && $col["lesson"] != "" && lesson == "") lesson = $col["lesson"]
    if (!(m in seen)) { seen[m] = 1; models = models (models == "" ? "" : ", ") m }
    if (m == "serial" && wall[r] != "" && !failed[r]) serial_r = r
}

END {
    if (rows == 0) exit 1
    if (part == "facts") facts()
    else if (part == "lesson") lesson_text()
    else if (part == "wall") { wall_chart(); speedup_chart() }
}

function h(s) { return xml_escape(s) }

# data-model="m" and the model's colour for the stylesheet.
function model_attr(m) {
    return sprintf("data-model=\"%s\" style=\"--model: %s\"", h(m), model_color(m))
}

function workers_text(r) { return workers_short(model[r], workers[r], procs[r]) }

function has_wall(r) { return wall[r] != "" && wall[r] + 0 > 0 }

# --- what was run -------------------------------------------------------------

function fact(name, value) {
    printf "<div><dt>%s</dt><dd>%s</dd></div>\n", h(name), h(value)
}

function facts(    r, w, levels, c, seenw) {
    printf "<dl class=\"run\">\n"
    if (lesson != "") fact("lesson", lesson)
    fact("requests N", nreq)
    fact("delay d", fmt_s(delay))
    w = ""
    for (r = 1; r <= rows; r++) {
        if (kind == "sweep") {
            c = workers[r]
            if (!((c) in seenw)) { seenw[c] = 1; levels = levels (levels == "" ? "" : ", ") c }
        } else {
            w = w (w == "" ? "" : "; ") model[r] " " workers_text(r)
        }
    }
    if (kind == "sweep") fact("concurrency c", levels)
    else fact("workers W", w)
    fact("models", models)
    if (cores != "") fact("cores", cores)
    if (when != "") fact("run", when)
    printf "</dl>\n"
}

# --- the lesson, from the figures ----------------------------------------------

# The frontier lesson (every model a frontier variant or the stages): the
# best frontier against the stage-by-stage form, from this run's figures.
function frontier_lesson(    r, s, best, stages) {
    for (r = 1; r <= rows; r++) {
        s = schedule_of(model[r])
        if (s != "frontier" && s != "stages") return 0
        if (!has_wall(r)) continue
        if (s == "stages") stages = r
        else if (!best || wall[r] + 0 < wall[best] + 0) best = r
    }
    printf "<p class=\"lesson\">"
    printf "The crawl fetched %d pages: list pages, each linking detail pages that only reading the list reveals, so the work is found while the crawl runs. ", nreq
    if (best)
        printf "%s took %s (ideal %s). ", h(model[best]), fmt_s(wall[best] + 0), fmt_s(ideal[best])
    if (best && stages)
        printf "%s, all list pages first and then all details (two <code>Pool.map</code> calls), took %s (ideal %s): it waits for its slowest list page before any detail starts. ", h(model[stages]), fmt_s(wall[stages] + 0), fmt_s(ideal[stages])
    printf "A frontier starts each list&rsquo;s details as soon as it is read; a worker that finds the queue empty waits on a condition, neither spinning nor quitting, while pages in flight may still add to it, and the crawl ends exactly when the queue is empty and nothing is in flight."
    printf "</p>\n"
    return 1
}

function lesson_text(    r, fast, slow, maxcpu, maxr) {
    if (kind == "sweep") { sweep_lesson(); return }
    if (frontier_lesson()) return
    fast = slow = 0; maxcpu = 0
    for (r = 1; r <= rows; r++) {
        if (!has_wall(r)) continue
        if (!fast || wall[r] + 0 < wall[fast] + 0) fast = r
        if (!slow || wall[r] + 0 > wall[slow] + 0) slow = r
        if (cpu[r] > maxcpu) { maxcpu = cpu[r]; maxr = r }
    }
    printf "<p class=\"lesson\">"
    printf "The job is %d requests, and the server answers each after %s: %s of waiting if nobody overlaps the waits. ", nreq, fmt_s(delay), fmt_s(nreq * delay)
    if (fast && slow && fast != slow)
        printf "%s took %s and %s %s: the same work, %s&times; faster. ", h(model[slow]), fmt_s(wall[slow] + 0), h(model[fast]), fmt_s(wall[fast] + 0), sprintf(wall[slow] / wall[fast] < 10 ? "%.1f" : "%.0f", wall[slow] / wall[fast])
    if (maxr)
        printf "Yet no model used more than %s of CPU (%s): the time goes to waiting, not computing, so what sets a model's wall time is how many requests it keeps in flight (the table's &ldquo;in flight&rdquo;), about &lceil;N / in flight&rceil; &times; d%s.", fmt_s(maxcpu), h(model[maxr]), cores != "" ? ", not the machine's " cores " core" (cores == 1 ? "" : "s") : ""
    printf "</p>\n"
}

function sweep_lesson(    r, lo, hi, best) {
    lo = hi = 0
    for (r = 1; r <= rows; r++) {
        if (!lo || workers[r] < lo) lo = workers[r]
        if (!hi || workers[r] > hi) hi = workers[r]
    }
    best = 0
    for (r = 1; r <= rows; r++)
        if (workers[r] == hi && has_wall(r) && (!best || wall[r] + 0 < wall[best] + 0)) best = r
    printf "<p class=\"lesson\">"
    printf "The same %d requests, each answered after %s, at concurrency %d up to %d. The ideal is &lceil;N / c&rceil; &times; d: double the requests in flight and the time halves, until every request is in flight at once and the job takes one delay. ", nreq, fmt_s(delay), lo, hi
    if (best) printf "At %d, %s came closest: %s against an ideal of %s. ", hi, h(model[best]), fmt_s(wall[best] + 0), fmt_s(ideal[best])
    printf "Where a line leaves the dashed ideal, the model's own cost per worker (a thread, a process, a slot) has become larger than the wait it hides.</p>\n"
}

# --- wall time on a log axis ---------------------------------------------------

function log10(x) { return log(x) / log(10) }
function floor_(x) { return x >= 0 ? int(x) : (int(x) == x ? x : int(x) - 1) }
function ceil_(x) { return -floor_(-x) }
function lx(t) { return x0 + (x1 - x0) * (log10(t) - d0) / (d1 - d0) }

function svg_start(w, hgt, title, cls) {
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"13\">\n", cls, w, hgt, w, hgt
    printf "<title>%s</title>\n", h(title)
}

# Each model a dot at its wall time on a log axis, a line from the axis to
# it, a dashed tick at its ideal: 1 s and 100 s both readable.
function wall_chart(    r, lo, hi, t, y, k, d, x, rowh, top, hgt) {
    lo = 1e30; hi = 0
    for (r = 1; r <= rows; r++) {
        if (has_wall(r)) { t = wall[r] + 0; if (t < lo) lo = t; if (t > hi) hi = t }
        if (ideal[r] > 0) { if (ideal[r] < lo) lo = ideal[r]; if (ideal[r] > hi) hi = ideal[r] }
    }
    if (hi <= 0) { lo = 0.1; hi = 1 }
    d0 = floor_(log10(lo) + 1e-9); d1 = ceil_(log10(hi) - 1e-9)
    if (d1 <= d0) d1 = d0 + 1
    top = 52; rowh = 40; x0 = 130; x1 = 560
    hgt = top + rows * rowh + 52
    svg_start(640, hgt, "wall time per model, logarithmic axis", "wall-log")
    printf "<text x=\"%d\" y=\"20\" font-weight=\"bold\" font-size=\"15\">Wall time, log scale</text>\n", x0
    printf "<text x=\"%d\" y=\"38\" fill=\"#555555\" font-size=\"12\">each step right is 10&#215; longer; dashed: the ideal</text>\n", x0
    # Decades and their 2 and 5.
    printf "<g class=\"grid\" stroke=\"#d0d0d0\" font-size=\"12\">\n"
    for (d = d0; d <= d1; d++)
        for (k = 1; k <= 5; k += (k == 1 ? 1 : 3)) {
            t = k * 10 ^ d
            if (log10(t) > d1 + 1e-9) continue
            x = lx(t)
            printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"%s/>\n", x, top - 4, x, top + rows * rowh, k == 1 ? " stroke=\"#888888\"" : ""
            printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\">%s</text>\n", x, top + rows * rowh + 16, fmt_tick(t)
        }
    printf "</g>\n"
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333333\" font-size=\"12\">wall time (s)</text>\n", (x0 + x1) / 2, top + rows * rowh + 36
    for (r = 1; r <= rows; r++) {
        y = top + (r - 1) * rowh + rowh / 2
        printf "<g class=\"series\" %s>\n", model_attr(model[r])
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-weight=\"bold\">%s</text>\n", x0 - 10, y + 5, h(model[r])
        if (!has_wall(r)) {
            printf "<text x=\"%d\" y=\"%.1f\" fill=\"#555555\">no result (the model failed)</text>\n</g>\n", x0 + 6, y + 5
            continue
        }
        t = wall[r] + 0
        if (ideal[r] > 0)
            printf "<line class=\"ideal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-width=\"2\" stroke-dasharray=\"3 2\"><title>ideal %s</title></line>\n", lx(ideal[r]), y - 13, lx(ideal[r]), y + 13, fmt_s(ideal[r])
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"8\"/>\n", x0, y, lx(t), y, model_color(model[r])
        printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"%s\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"><title>%s: %s</title></circle>\n", lx(t), y, model_color(model[r]), h(model[r]), fmt_s(t)
        printf "<text x=\"%.1f\" y=\"%.1f\">%s%s</text>\n", lx(t) + 14, y + 5, fmt_s(t), failed[r] ? " (" failed[r] " failed)" : ""
        printf "</g>\n"
    }
    printf "</svg>\n"
}

# Speed-up over serial (or over the slowest model when serial did not run):
# bars on a linear axis, the ideal speed-up dashed.
function speedup_chart(    r, base, basename, top, rowh, hgt, smax, s, si, y, w, step, t, x) {
    base = serial_r
    if (!base)
        for (r = 1; r <= rows; r++)
            if (has_wall(r) && !failed[r] && (!base || wall[r] + 0 > wall[base] + 0)) base = r
    if (!base) return
    basename = model[base]
    smax = 1
    for (r = 1; r <= rows; r++) {
        if (!has_wall(r)) continue
        s = wall[base] / wall[r]; if (s > smax) smax = s
        if (ideal[r] > 0 && ideal[base] > 0) { si = ideal[base] / ideal[r]; if (si > smax) smax = si }
    }
    top = 52; rowh = 40; x0 = 130; x1 = 560
    hgt = top + rows * rowh + 52
    svg_start(640, hgt, "speed-up over " basename, "speedup")
    printf "<text x=\"%d\" y=\"20\" font-weight=\"bold\" font-size=\"15\">Speed-up over %s</text>\n", x0, h(basename)
    printf "<text x=\"%d\" y=\"38\" fill=\"#555555\" font-size=\"12\">%s's wall time / the model's; dashed: the ideal speed-up</text>\n", x0, h(basename)
    step = nice_step(smax, 6)
    printf "<g class=\"grid\" stroke=\"#d0d0d0\" font-size=\"12\">\n"
    for (t = 0; t <= smax * 1.0001; t += step) {
        x = x0 + (x1 - x0) * t / smax
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", x, top - 4, x, top + rows * rowh
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\">%s&#215;</text>\n", x, top + rows * rowh + 16, fmt_tick(t)
    }
    printf "</g>\n"
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333333\" font-size=\"12\">times faster than %s</text>\n", (x0 + x1) / 2, top + rows * rowh + 36, h(basename)
    for (r = 1; r <= rows; r++) {
        y = top + (r - 1) * rowh
        printf "<g class=\"series\" %s>\n", model_attr(model[r])
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-weight=\"bold\">%s</text>\n", x0 - 10, y + rowh / 2 + 5, h(model[r])
        if (!has_wall(r)) { printf "<text x=\"%d\" y=\"%.1f\" fill=\"#555555\">no result</text>\n</g>\n", x0 + 6, y + rowh / 2 + 5; continue }
        s = wall[base] / wall[r]
        w = (x1 - x0) * s / smax
        if (w < 2) w = 2
        printf "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" stroke=\"#1a1a1a\" stroke-width=\"1\"><title>%s: %.1fx</title></rect>\n", x0, y + 8, w, rowh - 16, model_color(model[r]), h(model[r]), s
        if (ideal[r] > 0 && ideal[base] > 0) {
            x = x0 + (x1 - x0) * (ideal[base] / ideal[r]) / smax
            printf "<line class=\"ideal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-width=\"2\" stroke-dasharray=\"3 2\"><title>ideal %.1fx</title></line>\n", x, y + 3, x, y + rowh - 3, ideal[base] / ideal[r]
        }
        printf "<text x=\"%.1f\" y=\"%.1f\">%.1f&#215;%s</text>\n", x0 + w + 8, y + rowh / 2 + 5, s, failed[r] ? " (failures)" : ""
        printf "</g>\n"
    }
    printf "</svg>\n"
}
