#!/usr/bin/env bash
# Side by side with peers: the same M/M/1 and M/M/4 models, the same number
# of customers, in Ciw, SimPy and faultlab; checks each against queueing
# theory and prints wall times and ratios. Not part of CI.
#
#   bench/peers/run.sh [CUSTOMERS]      (default 200000)
#
# Creates bench/peers/.venv (Ciw and SimPy from the Python package index) and
# builds target/release/faultlab if needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet ciw==3.2.7 simpy==4.1.2
fi
if [ ! -x "$root/target/release/faultlab" ]; then
    (cd "$root" && cargo build --release --quiet)
fi
exec "$venv/bin/python" "$here/peers.py" "$root/target/release/faultlab" "${1:-200000}"
