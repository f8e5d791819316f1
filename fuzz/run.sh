#!/bin/bash
# Runs each fuzz target for SECONDS (default 600) and reports executions
# and crashes. cargo-fuzz needs nightly flags; on a stable toolchain they
# are allowed with RUSTC_BOOTSTRAP=1 (for fuzzing only, never the product).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Corpora stay in fuzz/corpus/ (seeded from core/tests/fuzz-inputs/),
# crashes in fuzz/artifacts/; copy a crash into core/tests/fuzz-inputs/TARGET/
# and `cargo test -p fakefstype-core --test fuzz_inputs` replays it forever.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(mounts mountinfo rules)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O >/dev/null
status=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/${target}" "artifacts/${target}"
    seeds=../core/tests/fuzz-inputs/${target}
    log=$(mktemp)
    cargo fuzz run -O "${target}" "corpus/${target}" "${seeds}" -- \
        -max_total_time="${seconds}" -print_final_stats=1 >"${log}" 2>&1 || status=1
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "${log}" | grep -o '[0-9]*$' || echo "?")
    crashes=$(find "artifacts/${target}" -type f | wc -l)
    echo "${target}: ${runs} executions in ${seconds}s, ${crashes} crash file(s) in fuzz/artifacts/${target}"
    if grep -q 'panicked\|ERROR: libFuzzer' "${log}"; then
        grep -m5 'panicked\|ERROR' "${log}"
    fi
    rm -f "${log}"
done
exit "${status}"
