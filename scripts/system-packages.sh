#!/usr/bin/env bash
# Debian packages the grader and its tests use, installed when missing (needs root + apt):
#   bubblewrap  the kernel's sandbox (grading falls back to limits only without it)
#   chromium    headless rendering test of the HTML feedback (skipped without it)
#   chromium-driver  the browser test of hand grading in formgrader (skipped without it)
#   postgresql  the batch grader's PostgreSQL gradebook test (skipped without it)
set -uo pipefail
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
if [[ " $* " == *" --for-tests "* ]]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "note: cannot install ${missing[*]} (needs root and apt); the tests that need them are skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; } \
    || echo "note: could not install ${missing[*]}; the tests that need them are skipped" >&2
