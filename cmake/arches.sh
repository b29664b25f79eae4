#!/bin/sh
# The one reader of cmake/arches.tsv (the Makefile, CMake, scripts and tests ask it):
#   arches.sh list                 every arch, in the table's order
#   arches.sh host                 this machine's arch (its `uname -m` in the table)
#   arches.sh get ARCH COLUMN      one cell, the column named by the table's header
#   arches.sh header [FILE]        a C++ header with the table's rows, on stdout or
#                                  into FILE (CMake generates it for tests/support and bench)
# An unknown arch or column is an error naming what is known.
set -eu
table=$(dirname "$0")/arches.tsv
rows() { grep -v '^#' "$table"; }
die() { echo "arches.sh: $*" >&2; exit 1; }
case ${1:-} in
  list) rows | awk 'NR > 1 { print $1 }' ;;
  host)
    machine=$(uname -m)
    arch=$(rows | awk -v m="$machine" \
      'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "uname-m") c = i; next } $c == m { print $1 }')
    [ -n "$arch" ] || die "this machine ($machine) is not in $table"
    echo "$arch" ;;
  get)
    [ $# = 3 ] || die "usage: arches.sh get ARCH COLUMN"
    rows | awk -v arch="$2" -v column="$3" '
      NR == 1 { for (i = 1; i <= NF; i++) if ($i == column) c = i; header = $0; next }
      $1 == arch { found = 1; if (c) print $c }
      END {
        if (!c) { print "arches.sh: no column \"" column "\" (columns: " header ")" > "/dev/stderr"; exit 1 }
        if (!found) { print "arches.sh: unknown arch \"" arch "\"" > "/dev/stderr"; exit 1 }
      }' ;;
  header)
    [ $# -lt 2 ] || exec >"$2"
    echo "// Generated from cmake/arches.tsv by cmake/arches.sh header: do not edit."
    echo "#pragma once"
    echo "#include <elf.h>"
    echo "namespace pausetest {"
    echo "struct ArchRow { const char* arch; const char* qemu_user; const char* uname_machine; unsigned elf_machine; };"
    echo "inline constexpr ArchRow kArches[] = {"
    rows | awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { printf "    {\"%s\", \"%s\", \"%s\", %s},\n", $1, $c["qemu-user"], $c["uname-m"], $c["elf-machine"] }'
    echo "};"
    echo "}  // namespace pausetest" ;;
  *) die "usage: arches.sh list | host | get ARCH COLUMN | header" ;;
esac
