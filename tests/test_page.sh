#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_page.sh static|browser BIN_DIR [SHOTS_DIR] -- report.html and
# docs/models.html.
#   static:  docs/models.html is current (regenerated and compared), the
#            tools' command lines, and report.html from a short compare.sh
#            run holds the table's rows, one timeline per model, nothing
#            loaded from outside, the sweep chart after a sweep.
#   browser: the same pages rendered by headless Chromium: no console
#            message, the elements present in the rendered DOM, and
#            screenshots (kept in SHOTS_DIR to look at) that are not blank.
#            Without chromium: skipped (exit 77), but a failure under CI=true.
set -u
mode=${1:?usage: test_page.sh static|browser BIN_DIR [SHOTS_DIR]}
bin=$(cd "${2:?usage: test_page.sh static|browser BIN_DIR [SHOTS_DIR]}" && pwd)
shots=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout err=$tmp/stderr
export BUILD_DIR=${bin%/bin}

# shellcheck source=tests/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

# The models compare.sh ran, from results.csv (read by header name).
models_in() { # csv
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "model") c = i; next } !seen[$c]++ { print $c }' "$1"
}
# The models in the tree: every */*.c defining MODEL.
tree_models() { grep -l '^const struct model MODEL' "$root"/*/*.c | wc -l; }

# A short classroom run and a short sweep, each with its report.html.
short_runs() {
    "$root/compare.sh" --count 8 --delay 0.05 --workers 2 --out "$tmp/run" >"$out" 2>"$err" </dev/null
    check "compare.sh ran" [ $? -le 1 ]
    check "the last line names report.html" [ "$(tail -n 1 "$out")" = "Report: $tmp/run/report.html" ]
    "$root/compare.sh" --sweep --count 8 --levels 1,4 --delay 0.05 --out "$tmp/sweep" >"$out" 2>"$err" </dev/null
    check "compare.sh --sweep ran" [ $? -le 1 ]
    check "the sweep's last line names report.html" [ "$(tail -n 1 "$out")" = "Report: $tmp/sweep/report.html" ]
}

# Elements a page must hold, in HTML as written or as Chromium rendered it.
report_elements() { # name html results.csv
    local name=$1 html=$2 m n
    n=$(models_in "$3" | wc -l)
    check "$name: a table row per model ($n)" [ "$(grep -c '<tr data-model=' "$html")" -eq "$n" ]
    check "$name: a timeline on its own scale per model" [ "$(grep -c '<figure class="timeline" data-model=' "$html")" -eq "$n" ]
    check "$name: the timelines on one scale" grep -q '<figure class="timeline-all">' "$html"
    check "$name: the log-axis wall chart" grep -q 'class="wall-log"' "$html"
    check "$name: the speed-up chart" grep -q 'class="speedup"' "$html"
    check "$name: what was run" grep -q '<dl class="run">' "$html"
    check "$name: the lesson" grep -q '<p class="lesson">' "$html"
    for m in $(models_in "$3"); do
        check "$name: $m's timeline has a bar per request" \
            [ "$(sed -n "/<figure class=\"timeline\" data-model=\"$m\">/,/<\/figure>/p" "$html" | grep -c '<title>request')" -eq 8 ]
    done
    models_elements "$name" "$html"
}

models_elements() { # name html
    local n
    n=$(tree_models)
    check "$1: a code column per model in the tree ($n)" [ "$(grep -c '<div class="col-head"' "$2")" -eq "$n" ]
    check "$1: claim_next row" grep -q '<h4 class="role" id="role-claim">' "$2"
    check "$1: crawl_run row" grep -q '<h4 class="role" id="role-run">' "$2"
    check "$1: CONC: lines highlighted" grep -q '<span class="l conc">' "$2"
}

# Self-contained: no script, and nothing fetched (src=, url(), @import, or
# an href that is not a link within the page).
self_contained() { # name html
    check "$1: no script" [ "$(grep -ci '<script' "$2")" -eq 0 ]
    check "$1: loads nothing" [ "$(grep -Eci 'src=|url\(|@import|href="[^#]' "$2")" -eq 0 ]
}

static_checks() {
    tools=$root/tools
    "$tools/side_by_side" >"$tmp/models.html" 2>"$err"
    check "side_by_side exits 0" [ $? -eq 0 ]
    check "docs/models.html is current (run: tools/side_by_side -o docs/models.html)" cmp -s "$tmp/models.html" "$root/docs/models.html"
    models_elements models.html "$root/docs/models.html"
    self_contained models.html "$root/docs/models.html"
    check "models.html: a print stylesheet" grep -q '@media print' "$root/docs/models.html"
    "$tools/side_by_side" --help >"$out" 2>"$err"
    check "side_by_side --help exits 0" [ $? -eq 0 ]
    "$tools/side_by_side" --bogus >"$out" 2>"$err"
    check "side_by_side --bogus exits 2" [ $? -eq 2 ]
    "$tools/report_html" --version >"$out" 2>"$err"
    check "report_html --version exits 0" [ $? -eq 0 ]
    "$tools/report_html" "$tmp/nowhere" >"$out" 2>"$err"
    check "report_html on no folder exits 2" [ $? -eq 2 ]
    mkdir "$tmp/empty"
    "$tools/report_html" "$tmp/empty" >"$out" 2>"$err"
    check "report_html on a folder without results exits 1" [ $? -eq 1 ]

    short_runs
    report_elements report.html "$tmp/run/report.html" "$tmp/run/results.csv"
    self_contained report.html "$tmp/run/report.html"
    check "sweep report: the sweep chart" grep -q '<figure class="sweep">' "$tmp/sweep/report.html"
    self_contained "sweep report" "$tmp/sweep/report.html"
    "$tools/report_html" --lesson waiting --lesson-text "Waits <overlap>." "$tmp/run" >"$out" 2>"$err"
    check "--lesson-text is the paragraph, escaped" grep -q '<p class="lesson">Waits &lt;overlap&gt;.</p>' "$tmp/run/report.html"
    check "--lesson is named" grep -q '<dt>lesson</dt><dd>waiting</dd>' "$tmp/run/report.html"
}

# Chromium on a page: the rendered DOM in $tmp/NAME.dom, a screenshot in
# $tmp/NAME.png; fails on any console message (the pages have no script, so
# one is an error: a bad SVG, a blocked load).
render() { # name file width height
    local flags=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
        --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --window-size="$3,$4")
    timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$2" >"$tmp/$1.dom" 2>"$tmp/$1.log"
    check "$1: chromium rendered it" test -s "$tmp/$1.dom"
    timeout 90 "$CHROMIUM" "${flags[@]}" --screenshot="$tmp/$1.png" "file://$2" >/dev/null 2>>"$tmp/$1.log"
    check "$1: screenshot taken" [ -s "$tmp/$1.png" ]
    if grep -q 'CONSOLE' "$tmp/$1.log"; then
        check "$1: no console message" false
        grep 'CONSOLE' "$tmp/$1.log" | head -n 5
    fi
    # A blank 1280x720 page compresses to a few kB; charts and code do not.
    check "$1: the screenshot is not blank ($(wc -c <"$tmp/$1.png") bytes)" [ "$(wc -c <"$tmp/$1.png")" -gt 30000 ]
    [ -n "$shots" ] && mkdir -p "$shots" && cp "$tmp/$1.png" "$shots/"
}

browser_checks() {
    CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
    if [ -z "$CHROMIUM" ]; then
        if [ "${CI:-}" = true ]; then
            echo "FAIL: chromium is missing and CI=true: CI must install it (apt-get install chromium fonts-dejavu-core)"
            exit 1
        fi
        echo "SKIP: no chromium here (apt-get install chromium fonts-dejavu-core to run the browser test)"
        exit 77
    fi
    short_runs
    render report "$tmp/run/report.html" 1280 720
    report_elements "rendered report" "$tmp/report.dom" "$tmp/run/results.csv"
    render report-full "$tmp/run/report.html" 1280 3600
    render sweep "$tmp/sweep/report.html" 1280 720
    check "rendered sweep: the sweep chart" grep -q '<figure class="sweep">' "$tmp/sweep.dom"
    render models "$root/docs/models.html" 1280 720
    models_elements "rendered models.html" "$tmp/models.dom"
    [ -n "$shots" ] && echo "screenshots: $shots"
}

case $mode in
static) static_checks ;;
browser) browser_checks ;;
*) echo "usage: test_page.sh static|browser BIN_DIR [SHOTS_DIR]" >&2 && exit 2 ;;
esac
check_summary "page $mode"
