# SPDX-License-Identifier: MIT
# sweep_table.awk -- the sweep's results (one row per model and level) as
# one row per concurrency: the ideal time, then each model's wall time.
#
#   awk -f svg_lib.awk -f sweep_table.awk -v style=text|md|html results.csv

BEGIN { FS = "," }

NR == 1 { read_header(); next }

{
    m = $col["model"]; c = $col["workers"] + 0
    if (!(m in seen)) { seen[m] = 1; models[++nm] = m }
    if (!(c in isl)) { isl[c] = 1; lv[++nl] = c }
    wall[m, c] = $col["wall_s"]
    ideal[c] = $col["ideal_s"] + 0
    bad[m, c] = ($col["failed"] + 0 > 0 || $col["wall_s"] == "")
}

function put(r, c, s) {
    cell[r, c] = s
    if (length(s) > wid[c]) wid[c] = length(s)
}

END {
    for (i = 2; i <= nl; i++)   # levels ascending
        for (j = i; j > 1 && lv[j - 1] > lv[j]; j--) { t = lv[j]; lv[j] = lv[j - 1]; lv[j - 1] = t }
    nc = nm + 2
    put(0, 1, "concurrency"); put(0, 2, "ideal")
    for (j = 1; j <= nm; j++) put(0, j + 2, models[j])
    for (i = 1; i <= nl; i++) {
        c = lv[i]
        put(i, 1, c); put(i, 2, fmt_s(ideal[c]))
        for (j = 1; j <= nm; j++) {
            m = models[j]
            put(i, j + 2, wall[m, c] == "" ? "-" : fmt_s(wall[m, c] + 0) (bad[m, c] ? " (failures)" : ""))
        }
    }
    for (c = 1; c <= nc; c++) align[c] = 1
    grid_print(style, nl, nc, 0)
}
