#!/bin/bash
# What the video server finds on btrfs and Unraid-like (fuse.shfs) storage,
# without and with libfakefstype.so. Run as root from the repository:
#
#   sudo examples/vms-demo.sh
#
# Needs btrfs-progs, bindfs and a C compiler. Everything happens in a
# private mount namespace under a temporary directory; nothing is left.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
lib=${FAKEFSTYPE_LIB:-$repo/target/release/libfakefstype.so}
[ -f "$lib" ] || { echo "build the library first: cargo build --release" >&2; exit 1; }
work=$(mktemp -d /tmp/fakefstype-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O1 -o "$work/vms_probe" "$repo/tests/probes/vms_probe.c"

# The inner script runs in the namespace; its variables are its own.
# shellcheck disable=SC2016
unshare -m --propagation private bash "$repo/tests/fixtures/mounts.sh" "$work/root" bash -c '
    R=$FIXTURE_ROOT
    rules="$R/media=ext4;$R/archive=ext4;type:fuse.shfs=ext4"
    show() { grep -F "$R" | sed "s|$R|\$R|g"; }
    echo "(\$R is $R)"
    echo "== the server, without the library"
    "$0" scan --root-tool exec | show
    echo
    echo "== with FAKEFSTYPE=\"$rules\"" | sed "s|$R|\$R|g"
    FAKEFSTYPE="$rules" LD_PRELOAD="$1" "$0" scan --root-tool exec | show
' "$work/vms_probe" "$lib"
