#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_grade_host.sh [BUILD_DIR] -- tests/grade.sh keeps the host out of
# the submission's reach:
#   - a submission whose file or folder names hold a sed program, $(...),
#     `...`, quotes, ';', a newline or escape sequences, and whose broken
#     code quotes escape sequences in the compiler's messages, runs nothing
#     and puts no raw control byte on the terminal or in results.json; nor
#     does a program that prints them (tests/fixtures/serial_attack_terminal_escapes.c);
#   - --build-dir is refused (one line, exit 2) when it is not the
#     grader's own, not yours, or writable by others (or its parent is);
#   - no folder of a grading is world-writable while it runs, and nothing
#     is left behind;
#   - a file calls only what its model needs: the reference async.c handed
#     in as threadpool or multiprocess, threadpool.c as multiprocess or
#     async lose every point with a line naming the call; serial.c as a
#     thread pool loses parallel for want of pthread_create; a rubric
#     "allow" line extends the list, and a malformed one is refused;
#   - without bubblewrap the grader says so loudly (stderr and
#     results.json), and --require-sandbox refuses (exit 3).
# BUILD_DIR is the grader's build to share (made if missing).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp" # the grader's throw-away users must reach its folders
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout err=$tmp/stderr
export TMPDIR=$tmp/t
mkdir -m 755 "$TMPDIR"
build=${1:-$tmp/build}

# shellcheck source=tests/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

not() { ! "$@"; }
json_holds() { jq -e "$1" "$2" >/dev/null; } # FILTER FILE: valid JSON, and FILTER is true
grade() { # ARGS...: sets rc; output in $out and $err
    "$root/tests/grade.sh" --build-dir "$build" "$@" >"$out" 2>"$err" </dev/null
    rc=$?
}
# No byte below space but tab and newline, no DEL, no C1 control in UTF-8.
no_raw_controls() { not env LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$@"; }
last_line_is() { [[ $(tail -n 1 "$out") =~ $1 ]]; }
tmpdir_empty() { [[ -z $(ls -A "$TMPDIR") ]]; }

# ---- hostile names, hostile text ----
pwned=$tmp/pwned
esc=$'\e'
# A broken file whose bad lines carry escape sequences (the compiler quotes them).
broken=$tmp/broken.c
printf '%s\n' '#include "crawl.h"' "#error ${esc}]0;owned${esc}\\${esc}[2J"$'\xc2\x9b'"31m" \
    "int crawl_run(const struct job *job, struct result *res) { return \"${esc}]0;owned${esc}\\\\${esc}[2J${esc}[31m\" + ; }" \
    "const struct model MODEL = {\"${esc}[5m\xc2\x9b31m\", 1, 1, 1, 0}; int ${esc}[1mbad = ;" >"$broken"
names=(
    "x|g;e touch $pwned.sed;#"                    # the old sed program's own delimiter, then GNU sed's e
    "\$(touch $pwned.subst)/\`touch $pwned.tick\`" # command substitution, were it ever evaluated
    "a'b\"c;d & e"                                 # quotes, ';', '&' (a sed replacement's match)
    $'line one\nline two'                          # a newline
    "${esc}]0;title${esc}\\${esc}[2J${esc}[31mred"$'\xc2\x9b'"1m"   # OSC, CSI, C1
)
k=0
for name in "${names[@]}"; do
    k=$((k + 1))
    dir=$tmp/names$k/$name
    mkdir -p "$dir/threadpool" && cp "$broken" "$dir/threadpool/threadpool.c"
    targets=("$dir/threadpool/threadpool.c")
    [ $k -ne 1 ] && [ $k -ne 4 ] || targets+=("$dir") # the folder form too
    for target in "${targets[@]}"; do
        grade --json "$tmp/r.json" threadpool "$target"
        check "hostile name $k ($(printf '%q' "${target#"$tmp"/}")): graded, no points (exit 1)" [ $rc -eq 1 ]
        check "... a total line of no points" last_line_is '^total: 0 / [1-9]'
        check "... says it does not compile" grep -q "does not compile or link" "$out"
        check "... shows the compiler's #error line" grep -q "error: #error .*owned" "$out"
        check "... no raw control byte on the terminal" no_raw_controls "$out" "$err"
        check "... results.json is valid and says 0" json_holds '.score == 0 and (.output | test("does not compile"))' "$tmp/r.json"
        check "... no raw control byte in results.json" no_raw_controls "$tmp/r.json"
        check "... nothing was run" [ -z "$(compgen -G "$pwned*")" ]
        [ $k -ne 4 ] || check "... the name is shown shell-quoted" grep -q -F 'line one\nline two' "$out"
    done
done
check "nothing left in TMPDIR by the gradings" tmpdir_empty

# What a program prints, shown with --verbose: no control byte, no forged line.
grade --verbose --only easy_handles --json "$tmp/esc.json" serial "$root/tests/fixtures/serial_attack_terminal_escapes.c"
check "a program printing escape sequences (fixture), --verbose: easy_handles lost (exit 1)" [ $rc -eq 1 ]
check "... what it printed is shown as context" grep -q "^        | .*graded: full marks" "$out"
check "... no raw control byte on the terminal" no_raw_controls "$out" "$err"
check "... nor in results.json" no_raw_controls "$tmp/esc.json"
check "... its forged total is not the grader's" last_line_is '^total: 0 / 8$'

# ---- --build-dir refused when it is not the grader's own ----
refused() { # DIR WORDS: exit 2, one line on stderr saying WORDS, nothing graded
    grade_at "$1" && [ $rc -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q -- "$2" "$err" && [ ! -s "$out" ]
}
grade_at() { # DIR
    "$root/tests/grade.sh" --build-dir "$1" threadpool "$root/threadpool/threadpool.c" >"$out" 2>"$err" </dev/null
    rc=$?
    return 0
}
mkdir -m 775 "$tmp/group-writable" "$tmp/notes"
chmod 775 "$tmp/group-writable"
check "--build-dir writable by the group: refused" refused "$tmp/group-writable" "can be written by others"
mkdir -m 777 "$tmp/open" && chmod 777 "$tmp/open"
check "--build-dir writable by all: refused" refused "$tmp/open" "can be written by others"
mkdir -p "$tmp/open/inside"
check "--build-dir under a parent others can write (no sticky bit): refused" refused "$tmp/open/inside" "its parent"
chmod 755 "$tmp/notes" && echo "my notes" >"$tmp/notes/notes.txt"
check "--build-dir holding files the grader did not make: refused" refused "$tmp/notes" "did not make"
check "... and the files are left alone" grep -q "my notes" "$tmp/notes/notes.txt"
mkdir -p "$tmp/swapped/suite" && echo stamp >"$tmp/swapped/.grade-build" && touch "$tmp/swapped/suite/x" &&
    chmod 666 "$tmp/swapped/suite/x"
check "--build-dir holding a file others can write: refused" refused "$tmp/swapped" "others can write"
if [ "$(id -u)" -eq 0 ]; then
    mkdir -m 755 "$tmp/theirs" && chown 65534:65534 "$tmp/theirs"
    check "--build-dir owned by another user: refused" refused "$tmp/theirs" "belongs to uid 65534"
fi
check "nothing left in TMPDIR by the refusals" tmpdir_empty

# ---- the grading's folders while it runs; nothing left after ----
ww=$tmp/world-writable.txt
(while [ ! -e "$tmp/stop" ]; do
    find "$TMPDIR" -xdev -type d -perm -0002 -print 2>/dev/null
    sleep 0.05
done | sort -u >"$ww") &
watcher=$!
grade --only empty threadpool "$root/threadpool/threadpool.c"
touch "$tmp/stop"
wait "$watcher"
check "the reference threadpool, --only empty: full marks (exit 0)" [ $rc -eq 0 ]
check "no folder of the grading was world-writable" [ ! -s "$ww" ]
check "nothing left in TMPDIR after the grading" tmpdir_empty

# ---- what a file may call ----
for pair in "threadpool async" "multiprocess async" "multiprocess threadpool" "async threadpool"; do
    read -r as ref <<<"$pair"
    grade "$as" "$root/$ref/$ref.c"
    check "$ref.c handed in as $as: no points (exit 1)" [ $rc -eq 1 ]
    check "... a total line of no points" last_line_is '^total: 0 / [1-9]'
    want=$([ "$ref" = async ] && echo curl_multi_ || echo pthread_create)
    check "... the reason names $want and says the $as model does not need it" \
        grep -q -E -- "-> calls .*$want.*: not one the $as model needs" "$out"
done
grade --only parallel,empty threadpool "$root/serial/serial.c"
check "serial.c as threadpool: parallel lost, empty kept (exit 1)" [ $rc -eq 1 ]
check "... parallel says a thread pool starts its own threads" \
    grep -q -- "-> no pthread_create: a thread pool starts its own threads" "$out"
check "... empty passes" grep -q "^  PASS .* empty " "$out"

sed 's/^async  *empty .*/&\nasync allow pthread_*,fetch_one/' "$root/tests/rubric.conf" >"$tmp/rubric.conf"
GRADE_RUBRIC=$tmp/rubric.conf grade --only empty async "$root/threadpool/threadpool.c"
check "a rubric line \"async allow pthread_*,fetch_one\": threadpool.c as async keeps empty (exit 0)" [ $rc -eq 0 ]
printf 'async allow pthread create\n' >>"$tmp/rubric.conf"
GRADE_RUBRIC=$tmp/rubric.conf grade --only empty async "$root/async/async.c"
check "a malformed allow line is refused (exit 2)" [ $rc -eq 2 ]
check "... with the rubric's line number" grep -q "rubric.conf:[0-9]*: an allow line" "$err"
printf 'asnyc  empty  3  a typo in the model\n' >"$tmp/rubric-typo.conf"
GRADE_RUBRIC=$tmp/rubric-typo.conf grade --only empty async "$root/async/async.c"
check "a rubric line for an unknown model is refused (exit 2)" [ $rc -eq 2 ]

attack() { # NAME MODEL WORDS: the file $tmp/NAME.c loses everything, its reason says WORDS
    grade --only empty "$2" "$tmp/$1.c"
    check "$1: no points (exit 1)" [ $rc -eq 1 ]
    check "... the reason says: $3" grep -q -- "-> .*$3" "$out"
}
cat >"$tmp/asm.c" <<'EOF'
#include "crawl.h"
int crawl_run(const struct job *job, struct result *res)
{
    long pid;
    __asm__ volatile("mov $39, %%eax; syscall" : "=a"(pid) : : "rcx", "r11", "memory"); /* getpid, raw */
    (void)job, (void)res;
    return pid > 0 ? 0 : -1;
}
const struct model MODEL = {"serial", 1, 1, 1, 0};
EOF
attack asm serial "inline assembly"
cat >"$tmp/syscall.c" <<'EOF'
#include "crawl.h"
#include <sys/syscall.h>
#include <unistd.h>
int crawl_run(const struct job *job, struct result *res)
{
    (void)job, (void)res;
    return syscall(SYS_getpid) > 0 ? 0 : -1;
}
const struct model MODEL = {"serial", 1, 1, 1, 0};
EOF
attack syscall serial "calls syscall"
cat >"$tmp/ctor.c" <<'EOF'
#include "crawl.h"
static void early(void) {}
__attribute__((used, section(".preinit_array"))) static void (*const run_early)(void) = early;
int crawl_run(const struct job *job, struct result *res)
{
    (void)job, (void)res;
    return 0;
}
const struct model MODEL = {"serial", 1, 1, 1, 0};
EOF
attack ctor serial "before main"
cat >"$tmp/line.c" <<'EOF'
#include "crawl.h"
#line 1 "/usr/include/stdio.h"
static int dlopen;
int crawl_run(const struct job *job, struct result *res)
{
    (void)job, (void)res;
    return dlopen;
}
const struct model MODEL = {"serial", 1, 1, 1, 0};
EOF
attack line serial "renames its own lines"

# ---- without bubblewrap: said loudly; refused on request ----
nobw=$tmp/no-bwrap-bin
mkdir -p "$nobw"
for f in /usr/local/bin/* /usr/bin/* /bin/*; do
    b=${f##*/}
    [ "$b" = bwrap ] || [ -e "$nobw/$b" ] || ln -s "$f" "$nobw/$b"
done
PATH=$nobw grade --only empty --json "$tmp/nobw.json" threadpool "$root/threadpool/threadpool.c"
check "without bubblewrap: still graded (exit 0)" [ $rc -eq 0 ]
check "... the sandbox line says NONE" grep -q "^sandbox: NONE" "$out"
check "... a WARNING on stderr" grep -q "WARNING: graded WITHOUT a sandbox" "$err"
check "... and first in results.json's output" json_holds '.output | startswith("WARNING: graded WITHOUT a sandbox")' "$tmp/nobw.json"
PATH=$nobw grade --only empty --require-sandbox threadpool "$root/threadpool/threadpool.c"
check "without bubblewrap, --require-sandbox: exit 3, no grading" [ $rc -eq 3 ]
check "... no total line" not grep -q "^total:" "$out"
check "nothing left in TMPDIR at the end" tmpdir_empty

check_summary test_grade_host
