# SPDX-License-Identifier: MIT
# svg_bars.awk -- wall time of each model as a horizontal bar, the ideal
# time as a dashed mark on it: the whole lesson in one picture.
#
#   awk -f svg_lib.awk -f svg_bars.awk results.csv > wall.svg

BEGIN { FS = "," }

NR == 1 { read_header(); next }

{
    m = $col["model"]
    order[++n] = m
    wall[m] = $col["wall_s"] + 0
    ideal[m] = $col["ideal_s"] + 0
    crashed[m] = ($col["wall_s"] == "")
    nreq = $col["requests"]
    delay = $col["delay_s"] + 0
    if (wall[m] > tmax) tmax = wall[m]
    if (ideal[m] > tmax) tmax = ideal[m]
}

END {
    if (n == 0) exit 1
    if (tmax <= 0) tmax = 1
    width = 900; left = 120; right = 110; top = 60; bh = 34; gap = 16
    x1 = width - right
    h = top + n * (bh + gap) + 50
    svg_open(width, h, "wall time per model")
    svg_text(left, 22, sprintf("Wall time for the same %d requests (each answered after %s)", nreq, fmt_s(delay)), "start", " font-size=\"15\" font-weight=\"bold\"")
    svg_text(left, 40, "bar: measured; dashed mark: ideal (serial N*d, pool ceil(N/W)*d, async about d)", "start", " fill=\"#555555\"")
    for (i = 1; i <= n; i++) {
        m = order[i]
        y = top + (i - 1) * (bh + gap)
        w = (x1 - left) * wall[m] / tmax
        if (w < 1.5) w = 1.5
        printf "<g class=\"series\" data-model=\"%s\">\n", m
        svg_text(left - 8, y + bh / 2 + 5, m, "end", " font-weight=\"bold\" fill=\"" model_color(m) "\"")
        if (crashed[m]) {
            svg_text(left + 4, y + bh / 2 + 5, "no result (the model failed)", "start", " fill=\"#555555\"")
        } else {
            printf "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>%s: %.3f s</title></rect>\n", left, y, w, bh, model_color(m), m, wall[m]
            svg_text(left + w + 6, y + bh / 2 + 5, fmt_s(wall[m]), "start", "")
            if (ideal[m] > 0) {
                xi = left + (x1 - left) * ideal[m] / tmax
                printf "<line class=\"ideal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"><title>ideal %.3f s</title></line>\n", xi, y - 4, xi, y + bh + 4, ideal[m]
            }
        }
        printf "</g>\n"
    }
    svg_time_axis(left, x1, top + n * (bh + gap) - gap + 8, tmax, "wall time (s)")
    svg_close()
}
