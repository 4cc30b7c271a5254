# SPDX-License-Identifier: MIT
# svg_sweep.awk -- wall time against concurrency, one line per model and
# the ideal curve ceil(N/c)*d dashed. Both axes logarithmic: the ideal is
# then a straight line falling to the floor d, and every model's distance
# from it reads the same at 1 worker as at 100.
#
#   awk -f svg_lib.awk -f svg_sweep.awk sweep.csv > sweep.svg

BEGIN { FS = "," }

NR == 1 { read_header(); next }

{
    m = $col["model"]
    c = $col["workers"] + 0
    if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
    if (!(c in isl)) { isl[c] = 1; lv[++nl] = c }
    wall[m, c] = $col["wall_s"]
    nreq = $col["requests"] + 0
    delay = $col["delay_s"] + 0
}

function log10(x) { return log(x) / log(10) }

function ideal(c,    w) {
    w = (c == 0 || c > nreq) ? nreq : c
    return w > 0 ? int((nreq + w - 1) / w) * delay : 0
}

function px(c) { return left + (x1 - left) * (log10(c) - lx0) / (lx1 - lx0) }
function py(t) { return y1 - (y1 - top) * (log10(t) - ly0) / (ly1 - ly0) }

# Sort the levels ascending (a handful: insertion sort).
function sort_levels(    i, j, t) {
    for (i = 2; i <= nl; i++)
        for (j = i; j > 1 && lv[j - 1] > lv[j]; j--) { t = lv[j]; lv[j] = lv[j - 1]; lv[j - 1] = t }
}

# A polyline through the points that exist (a failed run leaves a hole).
function series(m, dash, colour,    i, c, pts, t) {
    pts = ""
    for (i = 1; i <= nl; i++) {
        c = lv[i]
        t = (m == "") ? ideal(c) : wall[m, c]
        if (t == "" || t + 0 <= 0) continue
        pts = pts sprintf("%.1f,%.1f ", px(c), py(t + 0))
    }
    printf "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", pts, colour, dash
}

function points(m,    i, c, t) {
    for (i = 1; i <= nl; i++) {
        c = lv[i]
        t = wall[m, c]
        if (t == "" || t + 0 <= 0) continue
        printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>%s, %d: %.3f s (ideal %.3f s)</title></circle>\n", px(c), py(t + 0), m, c, t, ideal(c)
    }
}

# Each line's name at its right end, not colour alone (greyscale, colour
# blindness); names that would overlap are pushed apart vertically.
function end_labels(    j, k, i, c, t, n, ly, lm, lx, tmp) {
    n = 0
    for (j = 1; j <= nm; j++)
        for (i = nl; i >= 1; i--) {
            t = wall[order[j], lv[i]]
            if (t == "" || t + 0 <= 0) continue
            n++; ly[n] = py(t + 0) + 4; lm[n] = order[j]; lx[n] = px(lv[i]) + 8
            break
        }
    for (i = 2; i <= n; i++) # by height, then at least 14 px apart
        for (k = i; k > 1 && ly[k - 1] > ly[k]; k--) {
            tmp = ly[k]; ly[k] = ly[k - 1]; ly[k - 1] = tmp
            tmp = lm[k]; lm[k] = lm[k - 1]; lm[k - 1] = tmp
            tmp = lx[k]; lx[k] = lx[k - 1]; lx[k - 1] = tmp
        }
    for (i = 2; i <= n; i++) if (ly[i] < ly[i - 1] + 14) ly[i] = ly[i - 1] + 14
    for (i = 1; i <= n; i++) svg_text(lx[i], ly[i], lm[i], "start", " class=\"end-label\" font-weight=\"bold\"")
}

END {
    if (nm == 0 || nl == 0) exit 1
    sort_levels()
    width = 900; height = 520; left = 80; x1 = 700; top = 60; y1 = height - 60
    # Value range over measurements and ideals, widened to whole decades.
    tmin = 1e30; tmaxv = 0
    for (i = 1; i <= nl; i++) {
        c = lv[i]
        t = ideal(c)
        if (t > 0 && t < tmin) tmin = t
        if (t > tmaxv) tmaxv = t
        for (j = 1; j <= nm; j++) {
            t = wall[order[j], c]
            if (t == "" || t + 0 <= 0) continue
            t += 0
            if (t < tmin) tmin = t
            if (t > tmaxv) tmaxv = t
        }
    }
    if (tmaxv <= 0) { tmin = 0.1; tmaxv = 1 }
    ly0 = int(log10(tmin) + 100) - 100
    ly1 = -int(-log10(tmaxv) + 100) + 100
    if (ly1 <= ly0) ly1 = ly0 + 1
    cmin = lv[1] > 0 ? lv[1] : 1
    lx0 = log10(cmin); lx1 = log10(lv[nl] > cmin ? lv[nl] : cmin * 10)

    svg_open(width, height, "wall time against concurrency")
    svg_text(left, 22, sprintf("%d requests, %s delay: wall time against concurrency", nreq, fmt_s(delay)), "start", " font-size=\"15\" font-weight=\"bold\"")
    svg_text(left, 40, "threads, processes or requests in flight; both axes logarithmic; dashed: ideal ceil(N/c)*d", "start", " fill=\"#555555\"")

    # Grid and axes: a line per level, a line per 1-2-5 of each decade.
    printf "<g class=\"axis\" stroke=\"#dddddd\" font-size=\"11\">\n"
    for (i = 1; i <= nl; i++) {
        x = px(lv[i] > 0 ? lv[i] : cmin)
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", x, top, x, y1
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\">%d</text>\n", x, y1 + 16, lv[i]
    }
    for (d = ly0; d <= ly1; d++)
        for (k = 1; k <= 5; k += (k == 1 ? 1 : 3)) {
            t = k * 10 ^ d
            if (log10(t) > ly1 + 1e-9) continue
            y = py(t)
            printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", left, y, x1, y
            printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" stroke=\"none\" fill=\"#333333\">%s</text>\n", left - 6, y + 4, fmt_tick(t)
        }
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>\n", left, y1, x1, y1
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>\n", left, top, left, y1
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\" font-size=\"12\">concurrency: workers, or most requests in flight (async)</text>\n", (left + x1) / 2, y1 + 36
    printf "<text transform=\"translate(22 %.1f) rotate(-90)\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\" font-size=\"12\">wall time (s)</text>\n", (top + y1) / 2
    printf "</g>\n"

    printf "<g class=\"ideal\">\n"
    series("", " stroke-dasharray=\"6 4\"", "#000000")
    printf "</g>\n"
    for (j = 1; j <= nm; j++) {
        m = order[j]
        printf "<g class=\"series\" data-model=\"%s\" fill=\"%s\">\n", m, model_color(m)
        series(m, "", model_color(m))
        points(m)
        printf "</g>\n"
    }
    end_labels()
    # Legend, right of the plot.
    for (j = 0; j <= nm; j++) {
        m = j ? order[j] : "ideal"
        y = top + 10 + j * 22
        printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", x1 + 20, y, x1 + 48, y, j ? model_color(m) : "#000000", j ? "" : " stroke-dasharray=\"6 4\""
        svg_text(x1 + 56, y + 4, m, "start", "")
    }
    svg_close()
}
