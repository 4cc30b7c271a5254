#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_docs.sh BIN_DIR|BUILD_DIR -- the documentation against the tree it
# describes (README.md and docs/*.md):
#   - README.md has at most 300 lines (the rest belongs in docs/);
#   - every relative link resolves to a file or folder that exists, and a
#     #anchor to a heading of that page (GitHub's ids: lower case, spaces
#     to '-', punctuation dropped, -1, -2 ... for repeats);
#   - every docs/*.md is linked from README.md;
#   - every long option (--foo) shown for a program is in that program's
#     --help. "Shown for a program" means: in a fenced code block, after
#     the program's name on the same line (an indented line, or one after
#     a trailing '\', continues the line before; '&&', '||', ';', ' | '
#     and ' & ' end a command); in an inline code span, after the name in
#     the same span; in a table whose header row names the program, in any
#     code span of its rows. Programs: crawl-MODEL (every model of
#     models.conf), crawl-NAME for one model, delay-server, compare.sh,
#     bench/run.sh, tests/grade.sh, tools/side_by_side, tools/report_html;
#     a crawl-NAME with no row in models.conf is an error too.
# Every problem is reported with its file and line; exit 1 if any.
set -u
shopt -s nullglob

# The awk program that reads the Markdown. It prints one tab-separated
# record per finding (file names come in as arguments, never as program
# text):
#   H file slug                 a heading's anchor
#   L file line target          a link's target (as written)
#   P file line program         a program named in code
#   O file line program option  a long option shown for that program
read -r -d '' SCAN <<'AWK'
function is_word(c) { return c ~ /[A-Za-z0-9_-]/ }
# The program a token names, or "" when the token is not a program name
# here (part of a longer word, a file name like delay-server.md).
function program_of(line, start, len,    tok, before, after, next2) {
    tok = substr(line, start, len)
    before = start > 1 ? substr(line, start - 1, 1) : ""
    after = substr(line, start + len, 1)
    next2 = substr(line, start + len + 1, 1)
    if (is_word(before) || is_word(after) || (after == "." && next2 ~ /[A-Za-z0-9]/))
        return ""
    if (tok ~ /^crawl-[A-Z]+$/)
        return "crawl-MODEL"
    if (tok == "grade.sh")
        return "tests/grade.sh"
    return tok
}
# Scan text for programs, options and command separators, starting with
# program cur; prints P and O records; returns the program current at the
# end (for a continued line).
function scan(text, cur, lineno,    tok, p, pre) {
    while (match(text, /crawl-[A-Za-z][A-Za-z-]*|delay-server|compare\.sh|bench\/run\.sh|grade\.sh|tools\/side_by_side|tools\/report_html|--[a-z][a-z0-9-]*|&&|\|\||;| \| | &( |$)/)) {
        tok = substr(text, RSTART, RLENGTH)
        pre = RSTART > 1 ? substr(text, RSTART - 1, 1) : ""
        if (tok ~ /^--/) {
            if (cur != "" && !is_word(pre))
                print "O\t" FILENAME "\t" lineno "\t" cur "\t" tok
        } else if (tok ~ /^(&&|\|\||;| \| | &( |$))$/) {
            cur = ""
        } else {
            p = program_of(text, RSTART, RLENGTH)
            if (p != "") {
                cur = p
                print "P\t" FILENAME "\t" lineno "\t" p
            }
        }
        text = substr(text, RSTART + RLENGTH)
    }
    return cur
}
# The code spans of a line, scanned one by one from program cur.
function scan_spans(line, cur, lineno,    n, parts, k) {
    n = split(line, parts, "`")
    for (k = 2; k <= n; k += 2)
        scan(parts[k], cur, lineno)
}
# The line without its code spans, for links.
function prose(line,    n, parts, k, out) {
    n = split(line, parts, "`")
    out = ""
    for (k = 1; k <= n; k += 2)
        out = out parts[k] " "
    return out
}
function links(line, lineno,    t) {
    line = prose(line)
    if (match(line, /^ ? ? ?\[[^]]+\]:[ ]*[^ ]+/)) {
        t = substr(line, RSTART, RLENGTH)
        sub(/^[^]]*\]:[ ]*/, "", t)
        print "L\t" FILENAME "\t" lineno "\t" t
    }
    while (match(line, /\]\([^)]*\)/)) {
        t = substr(line, RSTART + 2, RLENGTH - 3)
        sub(/[ ].*/, "", t)
        print "L\t" FILENAME "\t" lineno "\t" t
        line = substr(line, RSTART + RLENGTH)
    }
}
function heading(line,    s) {
    s = line
    sub(/^#+[ ]+/, "", s)
    sub(/[ ]+#+[ ]*$/, "", s)
    s = tolower(s)
    gsub(/[^a-z0-9 _-]/, "", s)
    gsub(/ /, "-", s)
    if (seen[FILENAME, s]++)
        s = s "-" (seen[FILENAME, s] - 1)
    print "H\t" FILENAME "\t" s
}
FNR == 1 { fence = ""; carry = ""; intable = 0 }
{
    line = $0
    if (fence != "") {
        if (line ~ /^[ ]*(```|~~~)/ && index(line, fence) > 0) {
            fence = ""
            next
        }
        inherit = (line ~ /^[ \t]/ || cont) ? carry : ""
        carry = scan(line, inherit, FNR)
        cont = line ~ /\\$/
        next
    }
    if (match(line, /^[ ]*(```|~~~)/)) {
        fence = substr(line, RSTART + RLENGTH - 3, 3)
        carry = ""
        cont = 0
        intable = 0
        next
    }
    if (line ~ /^[ ]*\|/) {
        if (!intable) {
            intable = 1
            tableprog = ""
            rest = line
            while (tableprog == "" && match(rest, /crawl-[A-Za-z][A-Za-z-]*|delay-server|compare\.sh|bench\/run\.sh|grade\.sh|tools\/side_by_side|tools\/report_html/)) {
                tableprog = program_of(rest, RSTART, RLENGTH)
                rest = substr(rest, RSTART + RLENGTH)
            }
            if (tableprog != "")
                print "P\t" FILENAME "\t" FNR "\t" tableprog
        } else if (line !~ /^[ |:-]*$/) {
            scan_spans(line, tableprog, FNR)
        }
        links(line, FNR)
        next
    }
    intable = 0
    if (line ~ /^#+ /)
        heading(line)
    scan_spans(line, "", FNR)
    links(line, FNR)
}
AWK

problems=0
problem() { # FILE:LINE MESSAGE
    echo "test_docs: FAIL $1: $2"
    problems=$((problems + 1))
}

# The --help text of a program, from this build or this tree.
help_of() { # PROGRAM
    case $1 in
    crawl-* | delay-server) "$bin/$1" --help ;;
    tests/grade.sh | compare.sh | bench/run.sh | tools/side_by_side | tools/report_html)
        BUILD_DIR=$build "$root/$1" --help ;;
    *) return 1 ;;
    esac
}

# The long options in each program's --help, asked once a program.
declare -A HELP_OPTS=()
options_of() { # PROGRAM -> HELP_OPTS[PROGRAM]=" --a --b ... "; 1 if --help failed
    local text
    if [[ -n ${HELP_OPTS[$1]+set} ]]; then
        [[ ${HELP_OPTS[$1]} != FAILED ]]
        return
    fi
    if ! text=$(help_of "$1" 2>&1); then
        HELP_OPTS[$1]=FAILED
        problem "$1" "\"$1 --help\" failed: ${text:0:200}"
        return 1
    fi
    HELP_OPTS[$1]=" $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$text" | sort -u | tr '\n' ' ') "
}

# Every "--option VALUE" a script's --help shows, its parser takes: given
# a bad value and then an option nobody has, the script complains of the
# value or of that other option, never of the one its help promised
# (bench/run.sh once listed --frontier and refused it). Nothing runs: a
# parser stops at the option it does not know.
check_scripts_take_their_options() {
    local prog opt out
    for prog in compare.sh bench/run.sh tests/grade.sh tools/side_by_side tools/report_html; do
        options_of "$prog" || continue
        while read -r opt; do
            out=$(cd "$tmp" && BUILD_DIR=$build timeout 20 "$root/$prog" "$opt" @bad@ --no-such-option-xyz 2>&1 </dev/null)
            if [[ $out == *"unknown option"* && $out != *"--no-such-option-xyz"* ]]; then
                problem "$prog" "its --help shows \"$opt\", and it answers: ${out:0:200}"
            fi
        done < <(help_of "$prog" 2>&1 | grep -oE -- '(^| |,)--[a-z][a-z0-9-]* [A-Z][A-Z_.,-]*' |
            sed 's/^[ ,]*//' | cut -d' ' -f1 | sort -u)
    done
}

check_readme_length() {
    local n
    n=$(wc -l <"$root/README.md")
    if ((n > 300)); then
        problem "README.md" "$n lines: at most 300 (move the detail to docs/)"
    fi
}

# A relative path without "." and ".." parts (no file system access).
normalize() { # PATH
    local part parts out=()
    IFS=/ read -r -a parts <<<"$1"
    for part in "${parts[@]}"; do
        case $part in
        "" | .) ;;
        ..) if ((${#out[@]} > 0)) && [[ ${out[-1]} != .. ]]; then unset 'out[-1]'; else out+=(..); fi ;;
        *) out+=("$part") ;;
        esac
    done
    local IFS=/
    echo "${out[*]}"
}

# Every link: the file exists; an anchor into a scanned page is a heading.
check_links() { # RECORDS
    local kind file line target slug path anchor dir resolved rel
    declare -A anchors=() linked=()
    while IFS=$'\t' read -r kind file slug; do
        [[ $kind == H ]] && anchors["$file#$slug"]=1
    done <"$1"
    while IFS=$'\t' read -r kind file line target; do
        [[ $kind == L ]] || continue
        [[ $target =~ ^[a-zA-Z][a-zA-Z0-9+.-]*: ]] && continue # http:, mailto:, ...
        path=${target%%#*}
        anchor=""
        [[ $target == *#* ]] && anchor=${target#*#}
        dir=.
        [[ $file == */* ]] && dir=${file%/*}
        if [[ -z $path ]]; then
            rel=$file
        else
            rel=$(normalize "$dir/$path")
            resolved=$root/$rel
            if [[ $rel == ../* || ! -e $resolved ]]; then
                problem "$file:$line" "broken link \"$target\": $rel does not exist"
                continue
            fi
        fi
        [[ $file == README.md ]] && linked["$rel"]=1
        if [[ -n $anchor && $rel == *.md && -f $root/$rel ]]; then
            if [[ -z ${anchors["$rel#$anchor"]+set} ]]; then
                problem "$file:$line" "broken link \"$target\": no heading with the anchor #$anchor in $rel"
            fi
        fi
    done <"$1"
    local doc
    for doc in "$root"/docs/*.md; do
        rel=docs/${doc##*/}
        [[ -n ${linked["$rel"]+set} ]] || problem "$rel" "not linked from README.md"
    done
}

# Every program named exists; every option shown for it is in its --help.
check_options() { # RECORDS
    local kind file line prog opt p name schedule all=() classic=()
    # The models: one row each in models.conf, a binary crawl-NAME each.
    # crawl-MODEL in the docs is a model of the classic job (-n ids); the
    # frontier variants (schedule frontier or stages) take --pages instead.
    while read -r name _ _ _ _ schedule _; do
        [[ $name =~ ^[a-z] ]] || continue
        if [[ -x $bin/crawl-$name ]]; then
            all+=("crawl-$name")
            [[ $schedule == frontier || $schedule == stages ]] || classic+=("crawl-$name")
        else
            problem "models.conf" "the model $name has no binary $bin/crawl-$name: build first"
        fi
    done <"$root/models.conf"
    ((${#all[@]} > 0)) || problem "models.conf" "no model found"
    while IFS=$'\t' read -r kind file line prog opt; do
        case $kind in
        P)
            if [[ $prog == crawl-* && $prog != crawl-MODEL && " ${all[*]} " != *" $prog "* ]]; then
                problem "$file:$line" "names the program $prog, but models.conf has no model ${prog#crawl-}"
            fi
            ;;
        O)
            if [[ $prog == crawl-MODEL ]]; then
                for p in "${classic[@]}"; do
                    options_of "$p" || continue
                    [[ ${HELP_OPTS[$p]} == *" $opt "* ]] ||
                        problem "$file:$line" "crawl-MODEL $opt: not an option of $p (not in \"$p --help\")"
                done
            elif [[ $prog == crawl-* && " ${all[*]} " != *" $prog "* ]]; then
                continue # reported with its P record
            elif options_of "$prog"; then
                [[ ${HELP_OPTS[$prog]} == *" $opt "* ]] ||
                    problem "$file:$line" "$prog $opt: not an option of $prog (not in \"$prog --help\")"
            fi
            ;;
        esac
    done <"$1"
}

main() {
    local arg=${1:?usage: test_docs.sh BIN_DIR|BUILD_DIR}
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    if [[ -x $arg/delay-server ]]; then
        bin=$(cd "$arg" && pwd)
    elif [[ -x $arg/bin/delay-server ]]; then
        bin=$(cd "$arg/bin" && pwd)
    else
        echo "test_docs: no delay-server in $arg or $arg/bin: build first" >&2
        return 2
    fi
    build=${bin%/bin}
    export LC_ALL=C

    local docs=() f
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cd "$root" || return 2
    for f in docs/*.md; do docs+=("$f"); done
    awk "$SCAN" README.md "${docs[@]}" >"$tmp/records" || {
        echo "test_docs: cannot read the documentation" >&2
        return 2
    }

    check_readme_length
    check_links "$tmp/records"
    check_options "$tmp/records"
    check_scripts_take_their_options

    local nlinks nopts
    nlinks=$(grep -c '^L' "$tmp/records")
    nopts=$(grep -c '^O' "$tmp/records")
    if ((problems > 0)); then
        echo "test_docs: $problems problem(s) in README.md and docs/*.md ($nlinks links, $nopts options checked)"
        return 1
    fi
    echo "test_docs: README.md $(wc -l <README.md) lines; ${#docs[@]} docs pages; $nlinks links and $nopts program options checked: all good"
}

main "$@"
