# SPDX-License-Identifier: MIT
# svg_timeline.awk -- every request as a bar: x = time, one row per worker
# (thread, process or async slot). Serial is one long row, a pool of W is W
# rows of back-to-back requests (the waves), async is one block.
#
#   awk -f svg_lib.awk -f svg_timeline.awk -v model=threadpool results.csv requests.csv
#   awk -f svg_lib.awk -f svg_timeline.awk -v model=ALL results.csv requests.csv
#
# model=NAME: that model on its own time scale. model=ALL: every model in
# results.csv stacked on one shared time axis, so lengths compare directly.
# Consecutive requests of a worker alternate between full and lighter
# colour so each one stays visible; failed requests are grey.

BEGIN { FS = ","; nmodels = 0 }

FNR == 1 { delete col; read_header(); file++; next }

# results.csv: the summary row of each model.
file == 1 {
    m = $col["model"]
    if (model != "ALL" && m != model) next
    order[++nmodels] = m
    wall[m] = $col["wall_s"] + 0
    ideal[m] = $col["ideal_s"] + 0
    nworkers[m] = $col["workers"] + 0
    nprocs[m] = $col["processes"] + 0
    nreq[m] = $col["requests"] + 0
    delay = $col["delay_s"] + 0
    next
}

# requests.csv: one row per request.
{
    m = $col["model"]
    if (!(m in wall)) next
    k = ++count[m]
    w = $col["worker"] + 0
    rid[m, k] = $col["id"]
    rw[m, k] = w
    rs[m, k] = $col["start_s"] + 0
    re[m, k] = $col["end_s"] + 0
    rfail[m, k] = ($col["status"] != 200 || $col["error"] != "")
    rpar[m, k] = seq[m, w]++ % 2     # its place on its worker: odd or even
    rlist[m, k] = $col["kind"] == "list"   # a frontier crawl's list page
    lists[m] += rlist[m, k]
    if (w + 1 > rows[m]) rows[m] = w + 1
    if (re[m, k] > tend[m]) tend[m] = re[m, k]
}

# The time a chart must show: the run, or its ideal if that is longer.
function span(m,    t) {
    t = wall[m]
    if (tend[m] > t) t = tend[m]
    if (ideal[m] > t) t = ideal[m]
    return t > 0 ? t : 1
}

# The requests of model m as rectangles in the box x0..x1, y0 + rows * rh.
function draw_requests(m, x0, x1, y0, rh, tmax,    k, x, w, gap, fill, op, title) {
    gap = rh >= 5 ? 1 : 0
    printf "<g class=\"series\" data-model=\"%s\" fill=\"%s\">\n", m, model_color(m)
    for (k = 1; k <= count[m]; k++) {
        x = x0 + (x1 - x0) * rs[m, k] / tmax
        w = (x1 - x0) * (re[m, k] - rs[m, k]) / tmax
        if (w < 0.8) w = 0.8
        fill = rfail[m, k] ? " fill=\"#999999\"" : ""
        op = rpar[m, k] && !rlist[m, k] ? " fill-opacity=\"0.55\"" : ""
        # A list page: a pale fill in a black outline, labelled L -- told
        # apart by shade and label, not by colour alone.
        if (rlist[m, k]) op = " class=\"list\" fill-opacity=\"0.3\" stroke=\"#000000\" stroke-width=\"1.2\""
        title = sprintf("%s %s on %s %d: %.3f-%.3f s%s", rlist[m, k] ? "list page" : "request", rid[m, k], worker_noun(m), rw[m, k], rs[m, k], re[m, k], rfail[m, k] ? " (failed)" : "")
        printf "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"%s%s><title>%s</title></rect>\n", x, y0 + rw[m, k] * rh + gap / 2, w, rh - gap, fill, op, title
        if (rlist[m, k] && w >= 10 && rh >= 7)
            svg_text(x + w / 2, y0 + rw[m, k] * rh + rh / 2 + (rh < 11 ? rh / 2 - 1 : 4), "L", "middle", sprintf(" font-size=\"%d\" fill=\"#000000\"", rh < 11 ? rh : 10))
    }
    printf "</g>\n"
}

# A dashed line at the ideal time, labelled.
function draw_ideal(m, x0, x1, y0, y1, tmax,    x) {
    if (ideal[m] <= 0) return
    x = x0 + (x1 - x0) * ideal[m] / tmax
    printf "<g class=\"ideal\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-dasharray=\"4 3\"/>\n", x, y0 - 4, x, y1 + 2
    svg_text(x, y0 - 7, "ideal " fmt_s(ideal[m]), x > x1 - 40 ? "end" : "middle", " font-size=\"11\"")
    printf "</g>\n"
}

function workers_text(m) { return workers_long(m, nworkers[m], nprocs[m]) }

function one_model(m,    left, right, top, width, r, rh, plotw, h, tmax, step, k, label) {
    width = 900; left = 90; right = 30; top = 62
    r = rows[m] > 0 ? rows[m] : 1
    rh = r <= 20 ? 16 : 420 / r
    if (rh < 2) rh = 2
    h = top + r * rh + 56
    tmax = span(m)
    svg_open(width, h, m " timeline")
    svg_text(left, 22, sprintf("%s: %d requests, %s, %s delay: wall %s", m, nreq[m], workers_text(m), fmt_s(delay), fmt_s(wall[m])), "start", " font-size=\"15\" font-weight=\"bold\"")
    svg_text(left, 40, "one row per " worker_noun(m) "; each bar is one request, from sending it to its answer" (lists[m] ? "; outlined, L: a list page" : ""), "start", " fill=\"#555555\"")
    draw_requests(m, left, width - right, top, rh, tmax)
    draw_ideal(m, left, width - right, top, top + r * rh, tmax)
    # Row labels: every row when they fit, else every step-th.
    step = 1
    while (r / step > 20) step = (step == 1 ? 5 : step * 2)
    printf "<g class=\"rows\" fill=\"#333333\" font-size=\"11\">\n"
    for (k = 0; k < r; k += step) {
        label = worker_noun(m) " " k
        svg_text(left - 6, top + k * rh + (rh < 11 ? 9 : rh / 2 + 4), label, "end", "")
    }
    printf "</g>\n"
    svg_time_axis(left, width - right, top + r * rh + 4, tmax, "time since the job started (s)")
    svg_close()
}

# Every model stacked on one time axis: the picture for the lesson.
# Each model gets a band of at most `band` px, its rows sharing it.
function all_models(    width, left, right, top, band, gapy, h, tmax, i, m, r, rh, bh, y, t, any_lists) {
    width = 900; left = 120; right = 30; top = 56; band = 96; gapy = 18
    tmax = 0; h = top
    for (i = 1; i <= nmodels; i++) {
        m = order[i]
        if (length(m) * 8 + 16 > left) left = length(m) * 8 + 16   # the bold name fits
        t = span(m)
        if (t > tmax) tmax = t
        r = rows[m] > 0 ? rows[m] : 1
        rowh[m] = band / r > 20 ? 20 : band / r
        bandh[m] = r * rowh[m] > 44 ? r * rowh[m] : 44   # room for three labels
        h += bandh[m] + gapy
    }
    h += 44
    svg_open(width, h, "timelines of every model")
    svg_text(left, 22, "The same job, " (nmodels == 4 ? "four" : nmodels) " ways, one time scale", "start", " font-size=\"15\" font-weight=\"bold\"")
    for (i = 1; i <= nmodels; i++) any_lists += lists[order[i]]
    svg_text(left, 40, "each bar is one request; one row per worker (thread, process, async slot)" (any_lists ? "; outlined, L: a list page" : ""), "start", " fill=\"#555555\"")
    y = top
    for (i = 1; i <= nmodels; i++) {
        m = order[i]
        bh = bandh[m]; rh = rowh[m]
        r = rows[m] > 0 ? rows[m] : 1
        printf "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#f4f4f4\"/>\n", left, y, width - left - right, bh
        draw_requests(m, left, width - right, y + (bh - r * rh) / 2, rh, tmax)
        svg_text(left - 8, y + 12, m, "end", " font-weight=\"bold\" fill=\"" model_color(m) "\"")
        svg_text(left - 8, y + 27, fmt_s(wall[m]), "end", " fill=\"#333333\"")
        svg_text(left - 8, y + 41, workers_text(m), "end", " fill=\"#777777\" font-size=\"10\"")
        y += bh + gapy
    }
    svg_time_axis(left, width - right, y - gapy + 6, tmax, "time since the job started (s)")
    svg_close()
}

END {
    if (nmodels == 0) exit 1
    if (model == "ALL") all_models()
    else one_model(model)
}
