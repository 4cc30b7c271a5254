#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_page.sh static|browser BIN_DIR [SHOTS_DIR] -- report.html and
# docs/models.html.
#   static:  docs/models.html is current (regenerated and compared), each
#            model's column holds its key calls (in code, not comments),
#            the source is escaped, the controls degrade to every column;
#            the tools' command lines; and report.html from a short
#            compare.sh run holds the table's rows, one timeline per model,
#            nothing loaded from outside, the sweep chart after a sweep.
#   browser: the same pages rendered by headless Chromium at 1280x720: no
#            console message, the elements present in the rendered DOM, the
#            checkboxes and the address (#threadpool,async) choosing the
#            columns, no code narrower than 70 characters across, the parts
#            lined up by role, and screenshots (kept in SHOTS_DIR to look
#            at) that are not blank.
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
    check "$1: a code column per model in the tree ($n)" [ "$(grep -c '^<div class="col" id="sbs-col-[0-9]*" data-model=' "$2")" -eq "$n" ]
    check "$1: a checkbox per column" [ "$(grep -c '<input type="checkbox" class="pick"' "$2")" -eq "$n" ]
    check "$1: claim_next row" grep -q '<div class="cell[ a-z]*" data-role="claim">' "$2"
    check "$1: crawl_run row" grep -q '<div class="cell[ a-z]*" data-role="run">' "$2"
    check "$1: CONC: lines highlighted" grep -q '<span class="l conc"' "$2"
    key_calls "$1" "$2"
}

# The calls each model is about, as its column must show them: called in
# its code, not only named in a comment. The models' own files do the work
# now (no shared loop or fork helper), so a column without them is a page
# that no longer shows the model.
KEY_CALLS=(
    "serial fetch_one("
    "threadpool pthread_create( pthread_join( pthread_mutex_lock("
    "multiprocess fork( waitpid( pipe( _exit("
    "async curl_multi_add_handle( curl_multi_perform( curl_multi_info_read( curl_multi_poll( curl_multi_remove_handle("
    "hybrid fork( curl_multi_poll("
)

# A model's column, its code only, one source line a line: the HTML as
# written (entities stay escaped), comments (<i>...</i>) and tags dropped.
# A column runs from its <div class="col" ... data-model="M"> line to the
# next column or the section's end.
column_code() { # html model
    awk -v want="data-model=\"$2\"" '
        index($0, "<div class=\"col\" ") == 1 { on = index($0, want) > 0 }
        index($0, "</section>") == 1 { on = 0 }
        on && index($0, "<pre class=\"src\">") { print }
    ' "$1" | sed -e 's/<i>[^<]*<\/i>//g' -e 's/<\/span>/\n/g' | sed -e 's/<[^>]*>//g'
}

# Whether a call is in the code: NAME( after a character that cannot be
# part of a longer name. The calls hold no character HTML escapes (& < >
# "), so they match the escaped text as written.
calls_in() { # code-file call
    local name=${2%(}
    grep -Eq "(^|[^A-Za-z0-9_])${name}[[:space:]]*\\(" "$1"
}

# The calls a model's column lacks, on one line ("" when it has them all).
missing_calls() { # html model calls...
    local html=$1 model=$2 call missing=""
    shift 2
    column_code "$html" "$model" >"$tmp/column.txt"
    for call in "$@"; do
        calls_in "$tmp/column.txt" "$call" || missing+=" $call"
    done
    printf '%s\n' "${missing# }"
}

key_calls() { # name html
    local entry model missing calls
    for entry in "${KEY_CALLS[@]}"; do
        model=${entry%% *}
        read -r -a calls <<<"${entry#* }"
        if ! grep -q "^<div class=\"col\" id=\"sbs-col-[0-9]*\" data-model=\"$model\"" "$2"; then
            check "$1: a column for $model" false
            continue
        fi
        missing=$(missing_calls "$2" "$model" "${calls[@]}")
        check "$1: $model's column calls ${calls[*]}${missing:+ (missing: $missing)}" [ -z "$missing" ]
    done
}

# Self-contained: nothing fetched (src=, url(), @import, or an href that is
# not a link within the page); a script only inline (a bare <script>), and
# only where allowed: the standalone page has one, report.html none.
self_contained() { # name html scripts-allowed
    check "$1: loads nothing" [ "$(grep -Eci 'src=|url\(|@import|href="[^#]' "$2")" -eq 0 ]
    check "$1: no script but an inline one" [ "$(grep -Eci '<script[^>]' "$2")" -eq 0 ]
    check "$1: at most $3 script(s)" [ "$(grep -ci '<script>' "$2")" -le "$3" ]
}

# What the page says about the source: every byte of it escaped (inside
# the code only the page's own tags remain), and without a script every
# column shows (all boxes ticked, none hidden).
escaped_and_degrades() { # name html
    check "$1: the code holds no tag but the page's own" \
        [ "$(sed -n 's#.*<pre class="src">\(.*\)</pre>.*#\1#p' "$2" | sed -E 's#</?(code|span|i|mark)( (class|style)="[^"]*")*>##g' | grep -c '[<>]')" -eq 0 ]
    check "$1: without a script every box is ticked" [ "$(grep '<input type="checkbox"' "$2" | grep -vc ' checked>')" -eq 0 ]
    check "$1: without a script no column is hidden" [ "$(grep '^<div class="col"' "$2" | grep -c ' hidden')" -eq 0 ]
}

# A tree of hostile model files: markup in the source, in the model's name
# and a folder named like an awk assignment (x=y). The page must show them
# as text, and the x=y model must still get its column.
hostile_tree() {
    local d=$tmp/hostile
    mkdir -p "$d/serial" "$d/x=y"
    cat >"$d/serial/serial.c" <<'C'
/* serial.c -- a model with </pre><script>alert(1)</script> in it. */
int crawl_run(void) { return 0; } /* CONC: <b>not bold</b> & "quoted" */
const struct model MODEL = {.name = "<b>ser</b>&"};
C
    cat >"$d/x=y/odd.c" <<'C'
/* odd.c -- a folder named x=y. */
const struct model MODEL = {.name = "odd"};
C
    mkdir -p "$d/multiprocess"
    cat >"$d/multiprocess/multiprocess.c" <<'C'
/* multiprocess.c -- named only in comments: fork() waitpid() pipe() _exit() */
int crawl_run(void) { return prefork(); /* CONC: fork( */ }
const struct model MODEL = {.name = "multiprocess"};
C
    "$root/tools/side_by_side" --root "$d" >"$tmp/hostile.html" 2>"$err"
    check "hostile tree: side_by_side exits 0" [ $? -eq 0 ]
    check "hostile tree: no markup from the source" [ "$(grep -Eci '<script>alert|<b>not|<b>ser' "$tmp/hostile.html")" -eq 0 ]
    check "hostile tree: the source shown as text" grep -q '&lt;/pre&gt;&lt;script&gt;alert(1)' "$tmp/hostile.html"
    check "hostile tree: the name as text" grep -q 'data-model="&lt;b&gt;ser&lt;/b&gt;&amp;"' "$tmp/hostile.html"
    check "hostile tree: the x=y folder has its column" grep -q '<code>x=y/odd.c</code>' "$tmp/hostile.html"
    check "the key-call check: a call named only in a comment is missing" \
        [ "$(missing_calls "$tmp/hostile.html" multiprocess "fork(" "waitpid(" "pipe(" "_exit(")" = "fork( waitpid( pipe( _exit(" ]
}

static_checks() {
    tools=$root/tools
    "$tools/side_by_side" >"$tmp/models.html" 2>"$err"
    check "side_by_side exits 0" [ $? -eq 0 ]
    check "docs/models.html is current (run: tools/side_by_side -o docs/models.html)" cmp -s "$tmp/models.html" "$root/docs/models.html"
    models_elements models.html "$root/docs/models.html"
    self_contained models.html "$root/docs/models.html" 1
    escaped_and_degrades models.html "$root/docs/models.html"
    hostile_tree
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
    self_contained report.html "$tmp/run/report.html" 0
    escaped_and_degrades report.html "$tmp/run/report.html"
    check "sweep report: the sweep chart" grep -q '<figure class="sweep">' "$tmp/sweep/report.html"
    self_contained "sweep report" "$tmp/sweep/report.html" 0
    "$tools/report_html" --lesson waiting --lesson-text "Waits <overlap>." "$tmp/run" >"$out" 2>"$err"
    check "--lesson-text is the paragraph, escaped" grep -q '<p class="lesson">Waits &lt;overlap&gt;.</p>' "$tmp/run/report.html"
    check "--lesson is named" grep -q '<dt>lesson</dt><dd>waiting</dd>' "$tmp/run/report.html"
}

# Chromium on a page: the rendered DOM in $tmp/NAME.dom, a screenshot in
# $tmp/NAME.png; fails on any console message (no page logs anything, so
# one is an error: a bad SVG, a blocked load, a script error).
render() { # name file width height [#address]
    local flags=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
        --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --window-size="$3,$4")
    timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$2${5:-}" >"$tmp/$1.dom" 2>"$tmp/$1.log"
    check "$1: chromium rendered it" test -s "$tmp/$1.dom"
    timeout 90 "$CHROMIUM" "${flags[@]}" --screenshot="$tmp/$1.png" "file://$2${5:-}" >/dev/null 2>>"$tmp/$1.log"
    check "$1: screenshot taken" [ -s "$tmp/$1.png" ]
    no_console "$1" "$tmp/$1.log"
    # A blank 1280x720 page compresses to a few kB; charts and code do not.
    check "$1: the screenshot is not blank ($(wc -c <"$tmp/$1.png") bytes)" [ "$(wc -c <"$tmp/$1.png")" -gt 30000 ]
    [ -n "$shots" ] && mkdir -p "$shots" && cp "$tmp/$1.png" "$shots/"
}

no_console() { # name log
    if grep -q 'CONSOLE' "$2"; then
        check "$1: no console message" false
        grep 'CONSOLE' "$2" | head -n 5
    fi
}

# What a reader sees of the models' columns, measured in the browser by a
# script added (to a copy of the page) before </body>: the columns shown,
# the fewest characters a shown code box holds across (and whose), whether
# each role starts level across the columns; then the same after clicking
# the third model's checkbox, and the columns' layout after unticking
# "line up the parts". Written into <pre id="probe"> for --dump-dom.
write_probe() {
    cat >"$tmp/probe.js" <<'JS'
<script>
(function () {
    "use strict";
    var out = [];
    var cols = Array.prototype.slice.call(document.querySelectorAll(".sbs-cols .col"));
    function visible(e) { return e.getBoundingClientRect().width > 0; }
    function shown() {
        return cols.filter(visible).map(function (c) { return c.getAttribute("data-model"); }).join(",");
    }
    function narrowest() {
        var least = -1, who = "none";
        cols.filter(visible).forEach(function (c) {
            Array.prototype.forEach.call(c.querySelectorAll("pre.src"), function (pre) {
                var ruler = document.createElement("span");
                ruler.style.display = "inline-block";
                ruler.style.whiteSpace = "pre";
                ruler.textContent = "0123456789";
                pre.appendChild(ruler);
                var n = Math.floor(pre.clientWidth / (ruler.getBoundingClientRect().width / 10));
                pre.removeChild(ruler);
                if (least < 0 || n < least) { least = n; who = c.getAttribute("data-model"); }
            });
        });
        return least + " " + who;
    }
    function aligned() {
        var tops = {}, level = true;
        cols.filter(visible).forEach(function (c) {
            Array.prototype.forEach.call(c.querySelectorAll(".cell"), function (cell) {
                var role = cell.getAttribute("data-role"), top = Math.round(cell.getBoundingClientRect().top);
                if (!(role in tops)) tops[role] = top;
                else if (Math.abs(tops[role] - top) > 1) level = false;
            });
        });
        return level ? "yes" : "no";
    }
    function report(tag) {
        out.push("shown" + tag + ": " + shown(), "narrowest" + tag + ": " + narrowest(), "aligned" + tag + ": " + aligned());
    }
    report("");
    var third = document.querySelectorAll(".sbs-pick input.pick")[2];
    if (third) {
        third.click();
        out.push("clicked: " + third.value);
        report(" after");
    }
    var align = document.getElementById("sbs-align");
    if (align && cols.length > 0) {
        align.click();
        out.push("unaligned: " + getComputedStyle(cols[0]).display);
    }
    var pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = "\n" + out.join("\n") + "\n";
    document.body.appendChild(pre);
})();
</script>
JS
}

probe() { # name file [#address] -> $tmp/NAME.probe
    local flags=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
        --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 "--window-size=1280,720")
    awk -v probe="$tmp/probe.js" 'index($0, "</body>") == 1 { while ((getline l < probe) > 0) print l; close(probe) } { print }' \
        "$2" >"$tmp/$1.html"
    timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$tmp/$1.html${3:-}" >"$tmp/$1.dom" 2>"$tmp/$1.log"
    no_console "$1" "$tmp/$1.log"
    sed -n '/<pre id="probe">/,/<\/pre>/p' "$tmp/$1.dom" | sed -e 's/<[^>]*>//g' >"$tmp/$1.probe"
    check "$1: the probe ran" grep -q '^shown: ' "$tmp/$1.probe"
}

# One line of a probe's answer.
probed() { sed -n "s/^$2: //p" "$tmp/$1.probe"; } # name key

# The page's models in column order; the first N of them, comma-separated.
page_models() { # html [N]
    sed -n 's/^<div class="col" id="sbs-col-[0-9]*" data-model="\([^"]*\)".*/\1/p' "$1" | head -n "${2:-1000}" | paste -sd, -
}

# At 1280x720 no code box holds fewer than 70 characters across.
wide_enough() { # name key
    local n
    n=$(probed "$1" "$2")
    check "$1: $2 code box holds ${n% *} characters across (>= 70)" [ "${n%% *}" -ge 70 ]
}

models_probes() {
    local page=$root/docs/models.html all third
    all=$(page_models "$page")
    third=$(page_models "$page" 3)
    write_probe
    probe models-default "$page"
    check "models.html opens on the first two models ($(page_models "$page" 2))" [ "$(probed models-default shown)" = "$(page_models "$page" 2)" ]
    wide_enough models-default narrowest
    check "models.html: each role starts level across the columns" [ "$(probed models-default aligned)" = yes ]
    check "models.html: ticking ${third##*,} shows it ($third)" [ "$(probed models-default "shown after")" = "$third" ]
    wide_enough models-default "narrowest after"
    check "models.html: three columns still level by role" [ "$(probed models-default "aligned after")" = yes ]
    check "models.html: unticking 'line up' lets the columns flow" [ "$(probed models-default unaligned)" = block ]
    probe models-address "$page" "#threadpool,async"
    check "models.html#threadpool,async shows those two" [ "$(probed models-address shown)" = "threadpool,async" ]
    wide_enough models-address narrowest
    probe report-models "$tmp/run/report.html"
    check "report.html (no script): every model's column shows" [ "$(probed report-models shown)" = "$all" ]
    wide_enough report-models narrowest
    check "report.html: unticking ${third##*,} hides it (the stylesheet alone)" \
        [ "$(probed report-models "shown after")" = "$(page_models "$page" | tr ',' '\n' | grep -vxF "${third##*,}" | paste -sd, -)" ]
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
    render models-three "$root/docs/models.html" 1280 720 "#threadpool,multiprocess,async"
    models_probes
    [ -n "$shots" ] && echo "screenshots: $shots"
}

case $mode in
static) static_checks ;;
browser) browser_checks ;;
*) echo "usage: test_page.sh static|browser BIN_DIR [SHOTS_DIR]" >&2 && exit 2 ;;
esac
check_summary "page $mode"
