# SPDX-License-Identifier: MIT
# side_by_side.awk -- the model files in columns, aligned by role, as an
# HTML fragment (a <section>); tools/side_by_side wraps it in a page.
#
#   awk -f svg_lib.awk -f side_by_side.awk serial/serial.c threadpool/threadpool.c ...
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
# POSIX awk (mawk).

BEGIN {
    nroles = split("idea state claim worker helper run model", role_order, " ")
    title["idea"] = "The idea"
    why["idea"] = "the file's own summary, and what it includes"
    title["state"] = "Shared state"
    why["state"] = "what the workers share, and who guards it"
    title["claim"] = "claim_next()"
    why["claim"] = "how a worker takes the next request: the one place the workers meet"
    title["worker"] = "The worker"
    why["worker"] = "claim, fetch, store: the code that does the requests"
    title["helper"] = "Helpers"
    why["helper"] = "what the model needs around its workers"
    title["run"] = "crawl_run()"
    why["run"] = "start the workers, wait for them all, clean up"
    title["model"] = "MODEL"
    why["model"] = "the description the shared driver reads"
    nfiles = 0
}

FNR == 1 {
    finish_file()
    nfiles++
    path[nfiles] = FILENAME
    name[nfiles] = FILENAME
    sub(/.*\//, "", name[nfiles])
    sub(/\.c$/, "", name[nfiles])
    depth = 0; in_comment = 0; in_piece = 0; pending = ""; uses[nfiles] = ""
    nconc[nfiles] = 0
}

{
    line = $0
    if (line ~ /CONC:|CONC \*\/|CONC$/) nconc[nfiles]++
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
    ptext[k] = trim_blank(s); prole[k] = r; pfn[k] = function_name(first_line)
}

# A helper that only the worker calls is part of the worker (multiprocess's
# send_result); then the pieces go to their rows in file order.
function finish_file(    k, j, callers, by_worker) {
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
    for (k = 1; k <= npieces; k++) {
        if (body[nfiles, prole[k]] != "") body[nfiles, prole[k]] = body[nfiles, prole[k]] "\n"
        body[nfiles, prole[k]] = body[nfiles, prole[k]] ptext[k]
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
function code_line(s,    out, t, p, conc) {
    conc = (s ~ /CONC/)
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
    if (conc) return "<span class=\"l conc\"><mark>" out "</mark></span>"
    return "<span class=\"l\">" out "</span>"
}

function code_block(s,    n, ls, i, out) {
    n = split(s, ls, "\n")
    if (n > 0 && ls[n] == "") n--
    out = ""; cm = 0
    for (i = 1; i <= n; i++) out = out code_line(ls[i]) # block spans: one a line
    return out
}

# data-model="m" with the model's colour for the stylesheet.
function model_attr(m) {
    return sprintf("data-model=\"%s\" style=\"--model: %s\"", html_escape(m), model_color(m))
}

function emit(    f, k, r, s) {
    if (nfiles == 0) exit 1
    printf "<section id=\"models\" class=\"models\" aria-label=\"the models side by side\">\n"
    printf "<h2>The models side by side</h2>\n"
    printf "<p class=\"lede\">The same job in %d files, one column each, cut into the same parts so each row compares like with like. Lines tagged <mark>CONC:</mark> are where the concurrency happens.</p>\n", nfiles
    printf "<div class=\"sbs\" style=\"--cols: %d\">\n", nfiles
    for (f = 1; f <= nfiles; f++) {
        printf "<div class=\"col-head\" %s><h3><span class=\"swatch\"></span>%s</h3>", model_attr(name[f]), html_escape(name[f])
        printf "<p class=\"path\"><code>%s</code> &middot; %d <code>CONC:</code> line%s</p>", html_escape(path[f]), nconc[f], nconc[f] == 1 ? "" : "s"
        printf "<p class=\"note\">%s</p></div>\n", html_escape(note[f] == "" ? "(no summary line)" : note[f])
    }
    for (k = 1; k <= nroles; k++) {
        r = role_order[k]
        s = 0
        for (f = 1; f <= nfiles; f++) if (body[f, r] != "") s = 1
        if (!s) continue
        printf "<h4 class=\"role\" id=\"role-%s\">%s <span>%s</span></h4>\n", r, html_escape(title[r]), html_escape(why[r])
        for (f = 1; f <= nfiles; f++) {
            if (body[f, r] == "") {
                printf "<p class=\"cell empty\" %s data-role=\"%s\">%s</p>\n", model_attr(name[f]), r, html_escape(none_text(f))
                continue
            }
            printf "<pre class=\"cell code\" %s data-role=\"%s\"><code>%s</code></pre>\n", model_attr(name[f]), r, code_block(body[f, r])
        }
    }
    printf "</div>\n</section>\n"
}
