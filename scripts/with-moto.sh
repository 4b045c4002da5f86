#!/usr/bin/env bash
# Runs a command with MOTO_ENDPOINT pointing at a fresh moto_server on a
# random loopback port, and stops the server afterwards. Fails (never skips)
# when moto_server is missing or does not come up.
set -euo pipefail
command -v moto_server >/dev/null || { echo "with-moto: moto_server not found (make tools installs it)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp)
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 150); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then break; fi
  kill -0 $pid 2>/dev/null || { echo "with-moto: moto_server exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" || { echo "with-moto: moto_server did not answer on port $port" >&2; cat "$log" >&2; exit 1; }
export MOTO_ENDPOINT="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
"$@"
