# SPDX-License-Identifier: MIT
# side_by_side.awk -- the model files in columns, aligned by role: the
# controls that choose the columns and the columns themselves, as the inside
# of the <section> that tools/side_by_side wraps (with its stylesheet) into
# docs/models.html or into report.html.
#
#   awk -f svg_lib.awk -f side_by_side.awk ./serial/serial.c ./threadpool/threadpool.c ...
#
# Each file is cut into its top-level pieces (a function, a struct, the
# #include lines, MODEL), each with the comments just above it, and every
# piece is given a role from what the code is, not from a list of names:
#   idea      the file's header comment and its #includes
#   state     a struct or a variable at file scope: what the workers share
#   claim     the function claim_next(): who takes the next request
#   worker    a function that fetches (calls fetch_one/fetch_start/fetch_finish)
#   helper    any other function
#   run       crawl_run()
#   model     const struct model MODEL: what the shared driver reads
# So a new model file needs nothing added here to appear in its own column.
# Every line of the file but its licence line is shown: a column is the
# whole file, its parts in role order (within a role, in file order).
#
# Safety: the source text only ever reaches the page through html_escape()
# (data, never markup); the CSS and the element ids this writes use column
# numbers, never a name from a file. The files come as operands starting
# with "./", which awk cannot take for a var=value assignment.
# POSIX awk (mawk).

BEGIN {
    nroles = split("idea state claim worker helper run model", role_order, " ")
    title["idea"] = "The idea"
    why["idea"] = "the file's own summary and its #includes"
    title["state"] = "Shared state"
    why["state"] = "what the workers share, and who guards it"
    title["claim"] = "claim_next()"
    why["claim"] = "how a worker takes the next request"
    title["worker"] = "The worker"
    why["worker"] = "claim, fetch, store: the requests themselves"
    title["helper"] = "Helpers"
    why["helper"] = "what the model needs around its workers"
    title["run"] = "crawl_run()"
    why["run"] = "start the workers, wait for all, clean up"
    title["model"] = "MODEL"
    why["model"] = "the description the shared driver reads"
    nfiles = 0
}

FNR == 1 {
    finish_file()
    nfiles++
    path[nfiles] = FILENAME
    sub(/^\.\//, "", path[nfiles])
    name[nfiles] = path[nfiles]
    sub(/.*\//, "", name[nfiles])
    sub(/\.c$/, "", name[nfiles])
    depth = 0; in_comment = 0; in_piece = 0; pending = ""; uses[nfiles] = ""
    nconc[nfiles] = 0
}

{
    line = $0
    if (is_conc(line)) nconc[nfiles]++
    if (!in_piece) {
        # Blank lines and comments between pieces wait for the next piece.
        if (in_comment || line ~ /^[ \t]*$/ || line ~ /^[ \t]*(\/\*|\/\/)/) {
            track_comment(line)
            pending = pending line "\n"
            next
        }
        in_piece = 1; text = pending; pending = ""; first = line; had_brace = 0
    }
    text = text line "\n"
    depth += braces(line)
    if (depth > 0) had_brace = 1
    if (depth == 0 && piece_ends(line)) {
        in_piece = 0
        keep_piece(text, first)
    }
}

END { finish_file(); emit() }

# A line tagged CONC (the comment "CONC: why", or a bare "CONC").
function is_conc(s) { return s ~ /CONC:|CONC \*\/|CONC$/ }

# Remove string and character literals and comments before counting braces.
function code_only(s) {
    gsub(/"([^"\\]|\\.)*"/, "\"\"", s)
    gsub(/'([^'\\]|\\.)*'/, "''", s)
    gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", s)
    sub(/\/\/.*/, "", s)
    sub(/\/\*.*/, "", s)
    return s
}

function braces(s,    t, opens, closes) {
    t = code_only(s)
    opens = gsub(/\{/, "", t)
    closes = gsub(/\}/, "", t)
    return opens - closes
}

# A piece ends on a line that closes it: "}" or ";" at file scope, or a
# preprocessor line.
function piece_ends(s,    t) {
    if (first ~ /^#/) return 1
    t = code_only(s)
    sub(/[ \t]+$/, "", t)
    return t ~ /[;}]$/
}

function track_comment(s,    t) {
    t = s
    while (t != "") {
        if (in_comment) {
            if (match(t, /\*\//)) { in_comment = 0; t = substr(t, RSTART + 2) }
            else t = ""
        } else {
            if (match(t, /\/\*/)) { in_comment = 1; t = substr(t, RSTART + 2) }
            else t = ""
        }
    }
}

# The name of the function a piece defines ("" if it is not one).
function function_name(s,    t) {
    t = code_only(s)
    if (t !~ /^[A-Za-z_][A-Za-z_0-9 \t\*]*[ \t\*][A-Za-z_][A-Za-z_0-9]*\(/) return ""
    if (t ~ /=/ && index(t, "=") < index(t, "(")) return ""
    sub(/\(.*/, "", t)
    sub(/.*[ \t\*]/, "", t)
    return t
}

function role_of(s, first_line,    fn) {
    if (first_line ~ /^#/) return "idea"
    if (s ~ /const struct model MODEL/) return "model"
    if (first_line ~ /^_Static_assert/) return "lead-in"
    fn = function_name(first_line)
    if (fn != "" && !had_brace) return "lead-in" # a prototype
    if (fn == "") return "state"
    if (fn == "claim_next") return "claim"
    if (fn == "crawl_run") return "run"
    if (s ~ /fetch_(one|start|finish)\(/) return "worker"
    return "helper"
}

function keep_piece(s, first_line,    r, m, k) {
    r = role_of(s, first_line)
    if (r == "lead-in") { pending = s; return } # e.g. a _Static_assert: shown with what follows
    if (r == "model" && match(s, /\.name = "[^"]*"/)) {
        m = substr(s, RSTART + 9, RLENGTH - 10)
        name[nfiles] = m
    }
    if (r == "idea" && note[nfiles] == "") note[nfiles] = summary(s)
    if (r == "idea") shared_headers(s)
    if (r == "idea") gsub(/\/\* SPDX-License-Identifier:[^\n]*\*\/\n/, "", s) # the licence, not the lesson
    k = ++npieces
    pblank[k] = (s ~ /^[ \t]*\n/) # a blank line before it in the file
    ptext[k] = trim_blank(s); prole[k] = r; pfn[k] = function_name(first_line)
}

# A helper that only the worker calls is part of the worker (multiprocess's
# send_result); then the pieces go to their rows in file order.
function finish_file(    k, j, callers, by_worker) {
    if (in_piece) { in_piece = 0; keep_piece(text, first) } # a file cut short: kept all the same
    # Comments after the last piece belong to it: the column is the whole file.
    if (npieces > 0 && pending ~ /[^ \t\n]/) ptext[npieces] = trim_blank(ptext[npieces] pending)
    pending = ""
    for (k = 1; k <= npieces; k++) {
        if (prole[k] != "helper") continue
        by_worker = 0; callers = 0
        for (j = 1; j <= npieces; j++) {
            if (j == k || prole[j] == "idea" || !index(ptext[j], pfn[k] "(")) continue
            callers++
            if (prole[j] == "worker") by_worker++
        }
        if (callers > 0 && by_worker == callers) prole[k] = "worker"
    }
    # Pieces that follow each other in the file with no blank line between
    # (a run of #include lines) stay together; others get one blank line.
    for (k = 1; k <= npieces; k++) {
        if (body[nfiles, prole[k]] != "" && !(last_of[nfiles, prole[k]] == k - 1 && !pblank[k]))
            body[nfiles, prole[k]] = body[nfiles, prole[k]] "\n"
        body[nfiles, prole[k]] = body[nfiles, prole[k]] ptext[k]
        last_of[nfiles, prole[k]] = k
    }
    npieces = 0
}

# The suite's own headers a model includes beyond crawl.h: where the parts
# it does not write itself live (window.h: the async loop, forked.h: the
# forked workers).
function shared_headers(s,    t) {
    t = s
    while (match(t, /#include "[^"]*"/)) {
        if (substr(t, RSTART + 10, RLENGTH - 11) != "crawl.h")
            uses[nfiles] = uses[nfiles] (uses[nfiles] == "" ? "" : ", ") substr(t, RSTART + 10, RLENGTH - 11)
        t = substr(t, RSTART + RLENGTH)
    }
}

# What an empty cell says: nothing here, and where shared code comes from.
function none_text(f) {
    if (uses[f] == "") return "none in this file"
    return "none in this file (shared code: " uses[f] ")"
}

function trim_blank(s) {
    sub(/^\n+/, "", s)
    sub(/\n+$/, "", s)
    return s "\n"
}

# The header comment's summary: "/* x.c -- THIS, up to the first full stop."
function summary(s,    n, ls, i, t, out, on) {
    n = split(s, ls, "\n")
    out = ""; on = 0
    for (i = 1; i <= n; i++) {
        t = ls[i]
        if (!on && t ~ /^\/\* [A-Za-z_0-9.-]+\.c -- /) { sub(/^\/\* [A-Za-z_0-9.-]+\.c -- /, "", t); on = 1 }
        else if (on) sub(/^[ \t]*\*[ \t]?/, "", t)
        else continue
        out = out (out == "" ? "" : " ") t
        if (match(out, /\.( |$)/)) return substr(out, 1, RSTART)
    }
    return out
}

function html_escape(s) { return xml_escape(s) }

# One line of C as HTML: comments in <i>, a CONC: line in <mark>. The
# comment state (cm) carries over from line to line.
function code_line(s,    out, t, p, conc, wrap) {
    conc = is_conc(s)
    out = ""
    t = s
    while (t != "") {
        if (cm) {
            p = index(t, "*/")
            if (p == 0) { out = out "<i>" html_escape(t) "</i>"; t = "" }
            else { out = out "<i>" html_escape(substr(t, 1, p + 1)) "</i>"; t = substr(t, p + 2); cm = 0 }
        } else {
            p = index(t, "/*")
            if (p == 0) { out = out html_escape(t); t = "" }
            else { out = out html_escape(substr(t, 1, p - 1)); t = substr(t, p); cm = 1 }
        }
    }
    # A line that may wrap says how far it is indented (a number): its
    # continuation then hangs under its own start, not under the margin.
    wrap = ""
    if (length(s) > 64 && match(s, /^ +/)) wrap = sprintf(" style=\"--i: %d\"", RLENGTH)
    if (conc) return "<span class=\"l conc\"" wrap "><mark>" out "</mark></span>"
    return "<span class=\"l\"" wrap ">" out "</span>"
}

function code_block(s,    n, ls, i, out) {
    n = split(s, ls, "\n")
    if (n > 0 && ls[n] == "") n--
    out = ""; cm = 0
    for (i = 1; i <= n; i++) out = out code_line(ls[i]) # block spans: one a line
    return out
}

# The model's colour for the stylesheet, as --model (a palette constant).
function color_attr(m) { return sprintf("style=\"--model: %s\"", model_color(m)) }

# data-model="m" (how the page's script, the tests and the stylesheet find
# a model's column) with its colour.
function model_attr(m) { return sprintf("data-model=\"%s\" %s", html_escape(m), color_attr(m)) }

# The controls: a checkbox per model (all ticked: without a script the page
# shows every column; the stylesheet alone hides the unticked ones where
# :has() works), and whether the parts line up across the columns.
function controls(    f) {
    printf "<div class=\"sbs-pick\" role=\"group\" aria-label=\"the models to show\">\n<span class=\"label\">Compare</span>\n"
    for (f = 1; f <= nfiles; f++)
        printf "<label class=\"chip\" %s><input type=\"checkbox\" class=\"pick\" id=\"sbs-pick-%d\" value=\"%s\" aria-controls=\"sbs-col-%d\" checked><span class=\"swatch\"></span>%s</label>\n", color_attr(name[f]), f, html_escape(name[f]), f, html_escape(name[f])
    printf "<label class=\"chip align\"><input type=\"checkbox\" id=\"sbs-align\" checked>line up the parts</label>\n</div>\n"
    printf "<style>\n"
    for (f = 1; f <= nfiles; f++)
        printf ".models:has(#sbs-pick-%d:not(:checked)) #sbs-col-%d { display: none; }\n", f, f
    printf "</style>\n"
}

function emit(    f, k, r, nrows, row) {
    if (nfiles == 0) exit 1
    nrows = 0
    for (k = 1; k <= nroles; k++) {
        r = role_order[k]
        for (f = 1; f <= nfiles; f++) if (body[f, r] != "") { row[++nrows] = r; break }
    }
    controls()
    # One grid row for the heads and one per role: with the parts lined up,
    # every column is a subgrid of these rows, so a role starts level across.
    printf "<div class=\"sbs-cols\" style=\"--rows: %d\">\n", nrows + 1
    for (f = 1; f <= nfiles; f++) {
        printf "<div class=\"col\" id=\"sbs-col-%d\" %s>\n", f, model_attr(name[f])
        printf "<div class=\"col-head\"><h3><span class=\"swatch\"></span>%s</h3>", html_escape(name[f])
        printf "<p class=\"path\"><code>%s</code> &middot; %d <code>CONC:</code> line%s</p>", html_escape(path[f]), nconc[f], nconc[f] == 1 ? "" : "s"
        printf "<p class=\"note\">%s</p></div>\n", html_escape(note[f] == "" ? "(no summary line)" : note[f])
        for (k = 1; k <= nrows; k++) {
            r = row[k]
            printf "<div class=\"cell%s\" data-role=\"%s\"><p class=\"role\"><b>%s</b> %s</p>", body[f, r] == "" ? " empty" : "", r, html_escape(title[r]), html_escape(why[r])
            if (body[f, r] == "") printf "<p class=\"none\">%s</p></div>\n", html_escape(none_text(f))
            else printf "<pre class=\"src\"><code>%s</code></pre></div>\n", code_block(body[f, r])
        }
        printf "</div>\n"
    }
    printf "</div>\n"
}
