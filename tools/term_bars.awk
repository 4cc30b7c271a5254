# SPDX-License-Identifier: MIT
# term_bars.awk -- every model's wall time as a bar on one shared scale, in
# the terminal: the table's "wall" column made visible.
#
#   awk -f svg_lib.awk -f term_bars.awk -v cols=80 -v color=1 -v utf8=1 results.csv

BEGIN {
    FS = ","
    if (cols < 40) cols = 40
    split("▏ ▎ ▍ ▌ ▋ ▊ ▉ █", eighth, " ")   # byte or character awk alike
}

NR == 1 { read_header(); next }

{
    m[++n] = $col["model"]
    if (length(m[n]) > lw) lw = length(m[n])
    wall[n] = $col["wall_s"]
    if (wall[n] + 0 > tmax) tmax = wall[n] + 0
}


# A bar of x cells; with UTF-8 the last cell is an eighth-block, so even a
# bar one hundredth of the longest shows.
function bar(x,    s, i, whole, eighths) {
    whole = int(x)
    s = ""
    for (i = 0; i < whole; i++) s = s (utf8 ? "█" : "#")
    if (utf8) {
        eighths = int((x - whole) * 8 + 0.5)
        if (eighths == 0 && whole == 0) eighths = 1
        if (eighths > 0) s = s eighth[eighths]
    } else if (whole == 0) {
        s = "|"
    }
    return s
}

END {
    if (n == 0 || tmax <= 0) exit
    if (lw < 12) lw = 12
    plot = cols - 14 - lw
    for (i = 1; i <= n; i++) {
        if (wall[i] == "") { printf "  %-" lw "s (no result)\n", m[i]; continue }
        b = bar(plot * wall[i] / tmax)
        if (color) b = "\033[" ansi(m[i]) "m" b "\033[0m"
        printf "  %-" lw "s %s %s\n", m[i], b, fmt_s(wall[i] + 0)
    }
}
