#!/usr/bin/env bash
# `make image-test`: serve the bundled model from the built image (buildah run, chroot isolation:
# the host's network, so the server binds a free loopback port), then check it from outside with
# grpcurl and plain HTTP (the metrics endpoint, and one OpenAI chat completion through the gateway
# the image serves on GGSERVE_HTTP_PORT), and from inside with the image's own HEALTHCHECK command.
set -euo pipefail

IMAGE=${IMAGE:-localhost/ggserve:latest}
GRPCURL=${GRPCURL:-grpcurl}
TIMEOUT=${IMAGE_TEST_TIMEOUT:-180}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
step() { printf '\n== %s\n' "$*"; }
fail() { echo "image-test: FAIL: $*" >&2; exit 1; }

port=$(free_port)
http_port=$(free_port)
metrics_port=$(free_port)
log=$(mktemp)
ctr=$(buildah from --quiet "$IMAGE")
runner=""

descendants() {  # process ids below $1 (each thread lists its own children: may repeat)
    local child
    for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        descendants "$child"
        echo "$child"
    done
}

cleanup() {
    if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then
        for pid in $(descendants "$runner" | sort -u); do kill "$pid" 2>/dev/null || true; done
        wait "$runner" 2>/dev/null || true
    fi
    buildah rm "$ctr" >/dev/null
    rm -f "$log"
}
trap cleanup EXIT

in_image() {
    buildah run --isolation chroot --env GGSERVE_PORT="$port" "$ctr" -- "$@"
}

step "image"
podman image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' "$IMAGE"
config=$(podman image inspect "$IMAGE" --format '{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}')
healthcheck=$(podman image inspect "$IMAGE" |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)[0].get("Healthcheck")))')
echo "user/entrypoint/cmd: $config"
echo "healthcheck: $healthcheck"
[[ $config == "10001:10001 "* ]] || fail "the image does not run as the non-root user 10001"
[[ $healthcheck == *ggserve-healthcheck* ]] || fail "no HEALTHCHECK in the image"
in_image id -u | grep -qx 10001 || fail "processes in the image are not uid 10001"

step "ggserve serve (GGSERVE_* only: host 127.0.0.1, port $port, HTTP $http_port, metrics $metrics_port)"
started=$(date +%s)
buildah run --isolation chroot --env GGSERVE_HOST=127.0.0.1 --env GGSERVE_PORT="$port" \
    --env GGSERVE_HTTP_PORT="$http_port" --env GGSERVE_METRICS_PORT="$metrics_port" \
    --env GGSERVE_THREADS=1 \
    --env GGSERVE_N_CTX=1024 "$ctr" -- ggserve serve >"$log" 2>&1 &
runner=$!

step "health probe inside the image (ggserve-healthcheck -> grpc_health_probe)"
until in_image ggserve-healthcheck; do
    kill -0 "$runner" 2>/dev/null || { cat "$log"; fail "the server exited"; }
    (( $(date +%s) - started < TIMEOUT )) || { cat "$log"; fail "not SERVING after ${TIMEOUT}s"; }
    sleep 2
done
echo "SERVING after $(( $(date +%s) - started )) s"

step "grpcurl: reflection"
services=$("$GRPCURL" -plaintext "127.0.0.1:$port" list)
echo "$services"
grep -qx ggserve.v1.ChatService <<<"$services" || fail "reflection does not list ggserve.v1.ChatService"

step "grpcurl: ModelService/ListModels"
models=$("$GRPCURL" -plaintext "127.0.0.1:$port" ggserve.v1.ModelService/ListModels)
echo "$models"
grep -q '"alias": "smollm2-135m-instruct"' <<<"$models" || fail "the bundled model is not served"

step "grpcurl: ChatService/Chat"
body='{"messages":[{"role":"ROLE_USER","content":"Say hello."}],"max_tokens":16,"sampling":{"temperature":0}}'
answer=$("$GRPCURL" -plaintext -d "$body" "127.0.0.1:$port" ggserve.v1.ChatService/Chat)
echo "$answer"
grep -Eq '"completion_?[tT]okens": [1-9]' <<<"$answer" || fail "Chat generated nothing"

step "HTTP gateway: POST /v1/chat/completions (OpenAI)"
python3 - "$http_port" <<'PY'
import json, sys, urllib.request
body = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16, "temperature": 0}
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/v1/chat/completions",
    data=json.dumps(body).encode(),
    headers={"content-type": "application/json"},
)
answer = json.load(urllib.request.urlopen(request, timeout=120))
print(json.dumps(answer)[:400])
assert answer["object"] == "chat.completion", "not a chat completion"
assert answer["choices"][0]["message"]["role"] == "assistant", "no assistant message"
assert answer["usage"]["completion_tokens"] > 0, "the gateway's call generated nothing"
PY

step "metrics endpoint"
python3 - "$metrics_port" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=10).read().decode()
lines = [l for l in text.splitlines() if l.startswith(("ggserve_requests_total", "ggserve_completion_tokens_total"))]
print("\n".join(lines))
assert any('method="ggserve.v1.ChatService/Chat"' in l and 'code="OK"' in l for l in lines), "Chat not counted"
PY

step "SIGTERM drains and exits 0"
for pid in $(descendants "$runner" | sort -u); do
    if tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -q "^/opt/ggserve/bin/python[0-9.]* /opt/ggserve/bin/ggserve serve"; then kill -TERM "$pid"; fi
done
status=0
wait "$runner" || status=$?
runner=""
tail -n 4 "$log"
[ "$status" -eq 0 ] || fail "the server exited with $status"
grep -q "stopped" "$log" || fail "the server did not drain"
echo
echo "image-test: PASS"
