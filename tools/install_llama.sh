#!/usr/bin/env bash
# Build llama-cpp-python once per (version, build flags) into a wheel folder keyed by both, verify the
# wheel's recorded SHA-256, and install it into the venv, with a record of how it was built
# (<venv>/llama-cpp-python-build.json, which `python -m assistant doctor` shows and checks).
#
# Why not plain `pip install`: pip builds llama.cpp with -march=native and caches the wheel keyed by
# the sdist alone, so a wheel built on one CPU (say with AMX) is reused on the next machine, and a
# changed CMAKE_ARGS never takes effect. Here the build bypasses pip's cache (--no-cache-dir) and our
# own cache key includes the flags, so a flag change always rebuilds.
set -euo pipefail
py=$1; flags=$2; lock=$3
version=$(sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p' "$lock")
key=$(printf '%s %s' "$version" "$flags" | sha256sum | cut -c1-16)
dir=${ASSISTANT_WHEEL_CACHE:-$HOME/.cache/assistant-wheels}/llama-cpp-python-$version-$key
if ! ( [ -f "$dir/SHA256SUMS" ] && cd "$dir" && sha256sum --quiet -c SHA256SUMS ); then
  echo "==> llama.cpp: building $version for this project (portable x86-64 flags; about 7 min on 2 cores, once per machine)"
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp"
  start=$(date +%s)
  CMAKE_ARGS="$flags" FORCE_CMAKE=1 "$py" -m pip wheel --quiet --no-cache-dir --no-deps --require-hashes \
    -r "$lock" -w "$dir.tmp"
  (cd "$dir.tmp" && sha256sum ./*.whl > SHA256SUMS)
  mv "$dir.tmp" "$dir"
  echo "    built in $(( $(date +%s) - start )) s -> $dir"
else
  echo "==> llama.cpp $version: using the wheel built with these flags ($dir, SHA-256 checked)"
fi
"$py" -m pip install --quiet --no-deps --force-reinstall "$dir"/*.whl
"$py" -c 'import json, sys; print(json.dumps(dict(zip(("version", "flags", "wheel_sha256"), sys.argv[1:]))))' \
  "$version" "$flags" "$(cut -d' ' -f1 "$dir/SHA256SUMS")" > "$("$py" -c 'import sys; print(sys.prefix)')/llama-cpp-python-build.json"
