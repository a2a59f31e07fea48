#!/bin/sh
# Container health check: GET /healthz on the port dav115 actually bound, so it follows the config
# (any listen port, or port 0) instead of a port baked into the image.
#   DAV115_HEALTH_PORT       the port, if you want to name it (default: the first line of the port file
#                            that dav115 writes into its state_dir)
#   DAV115_HEALTH_STATE_DIR  where to look for that file first; then ./ and ./state (the image's WORKDIR is
#                            /var/lib/dav115, so both "state_dir": "/var/lib/dav115" and the default
#                            "./state" are found)
#   DAV115_HEALTH_HOST, DAV115_HEALTH_SCHEME   default 127.0.0.1 and http (https is not verified: same host)
# Exit 0 = healthy, 1 = unhealthy (Docker reserves 2).
set -u
port=${DAV115_HEALTH_PORT:-}
if [ -z "$port" ]; then
  for f in "${DAV115_HEALTH_STATE_DIR:-.}/port" ./port ./state/port; do
    if [ -r "$f" ]; then
      port=$(head -n 1 "$f")
      break
    fi
  done
fi
if [ -z "$port" ]; then
  echo "healthcheck: no port: set DAV115_HEALTH_PORT or DAV115_HEALTH_STATE_DIR" >&2
  exit 1
fi
url="${DAV115_HEALTH_SCHEME:-http}://${DAV115_HEALTH_HOST:-127.0.0.1}:${port}/healthz"
curl -fsS -k --max-time 4 -o /dev/null "$url" || exit 1
