#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3 served to a browser) for the real-VS-Code tests, offline-capable
# and idempotently, into editor-extension/.vscode-test/code-server (npm --prefix).
#
#   bash test/vscode/install-code-server.sh          # installs once; later runs return at once
#   FORCE=1 bash test/vscode/install-code-server.sh  # reinstall
#
# Exit codes: 0 installed (or already there); 3 cannot install here (not root and system packages
# missing, or no node 20) — the test suite skips with a message on 3; anything else is a failure.
#
# What it needs and why:
# - node 20 (code-server 4.100.x refuses other majors) and the npm registry.
# - Debian packages chromium (the browser the tests drive), libkrb5-dev + pkg-config (the `kerberos`
#   native module of VS Code), ripgrep (its `rg` seeds @vscode/ripgrep, whose postinstall would
#   otherwise download a binary from GitHub, which this machine cannot reach).
# - Install scripts: code-server's postinstall runs `npm install` in lib/vscode and lib/vscode/extensions,
#   which build native modules. npm 11 gates dependency install scripts with an allow policy
#   (`allowScripts` in the root package.json, or `allow-scripts` in an .npmrc; 11.19 still runs
#   unreviewed ones with a warning, later versions block them). `--allow-scripts` and
#   `npm_config_allow_scripts` are refused in project-scoped installs (EALLOWSCRIPTS) — and an npm that
#   runs a lifecycle script exports every setting it has as npm_config_*, so an allow list given to the
#   outer install reaches the nested `npm install`s as that refused variable. Hence:
#     1. the outer install allows argon2 and denies code-server's postinstall (root package.json);
#     2. this script then runs code-server's postinstall.sh itself, with npm_config_userconfig pointing
#        at a user config (the caller's settings + `allow-scripts=` the packages of code-server 4.100.3
#        that have install scripts), which the nested installs read as a config file.
#   Older npm ignores allowScripts and runs the postinstall inside step 1; step 2 is then skipped.
set -euo pipefail

VERSION=4.100.3
RG_PKG_VERSION=1.15.11                      # @vscode/ripgrep version pinned by VS Code 1.100
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
ALLOW_SCRIPTS="code-server,argon2,@parcel/watcher,@vscode/deviceid,@vscode/ripgrep,@vscode/spdlog,@vscode/windows-ca-certs,@vscode/windows-process-tree,@vscode/windows-registry,kerberos,native-watchdog,node-pty"
APT_PACKAGES=(chromium libkrb5-dev pkg-config ripgrep)

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXT_ROOT="$(cd "$HERE/../.." && pwd)"
PREFIX="${CODE_SERVER_PREFIX:-$EXT_ROOT/.vscode-test/code-server}"
MARKER="$PREFIX/.installed-$VERSION"
BIN="$PREFIX/node_modules/.bin/code-server"

log() { printf '[install-code-server] %s\n' "$*" >&2; }
cannot() { log "cannot install: $*"; exit 3; }

system_ready() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/rg ] && pkg-config --exists krb5-gssapi 2>/dev/null; }

installed() { [ -z "${FORCE:-}" ] && [ -f "$MARKER" ] && [ -x "$BIN" ]; }

if installed && system_ready; then
  log "code-server $VERSION already installed in $PREFIX"
  echo "$BIN"
  exit 0
fi

# --- system packages -------------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    cannot "missing Debian packages ${missing[*]} and not root (apt-get install ${missing[*]})"
  fi
  command -v apt-get >/dev/null || cannot "missing ${missing[*]} and no apt-get"
  log "installing ${missing[*]} (waiting for any running apt/dpkg first)"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt may be running (e.g. a provisioning step): wait for its lock rather than fail.
  apt_opts=(-o DPkg::Lock::Timeout=900 -y --no-install-recommends)
  if ! apt-get "${apt_opts[@]}" install "${missing[@]}"; then
    apt-get -o DPkg::Lock::Timeout=900 update
    apt-get "${apt_opts[@]}" install "${missing[@]}"
  fi
fi
system_ready || cannot "chromium, rg or krb5 development files still missing after apt-get"
if installed; then
  log "code-server $VERSION already installed in $PREFIX"
  echo "$BIN"
  exit 0
fi

# --- node -----------------------------------------------------------------------------------------
command -v node >/dev/null && command -v npm >/dev/null || cannot "node/npm not found"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ] && [ -z "${FORCE_NODE_VERSION:-}" ]; then
  cannot "code-server $VERSION needs node 20 (found $(node --version)); set FORCE_NODE_VERSION=$node_major to try anyway"
fi

# --- ripgrep download cache, seeded from Debian's rg ------------------------------------------------
tmp_root="${TMPDIR:-/tmp}"
rg_cache="$tmp_root/vscode-ripgrep-cache-$RG_PKG_VERSION"
if [ ! -s "$rg_cache/$RG_ASSET" ]; then
  log "seeding $rg_cache/$RG_ASSET from /usr/bin/rg"
  mkdir -p "$rg_cache"
  stage="$(mktemp -d)"
  cp /usr/bin/rg "$stage/rg"
  tar -czf "$rg_cache/$RG_ASSET.tmp" -C "$stage" rg
  mv "$rg_cache/$RG_ASSET.tmp" "$rg_cache/$RG_ASSET"
  rm -rf "$stage"
fi

# --- npm install --------------------------------------------------------------------------------------
mkdir -p "$PREFIX"
rm -f "$MARKER"
# A clean slate: a half-finished earlier attempt could leave lib/vscode without its node_modules.
rm -rf "${PREFIX:?}/node_modules" "${PREFIX:?}/package-lock.json"
# The root project's allowScripts lets argon2 build; code-server's own postinstall is denied here and
# run below by this script instead (see the header for why it cannot run inside npm here).
printf '%s\n' \
  '{' \
  '  "name": "tandem-vscode-test-code-server",' \
  '  "private": true,' \
  '  "description": "code-server for editor-extension/test/vscode (written by install-code-server.sh)",' \
  '  "allowScripts": { "argon2": true, "code-server": false }' \
  '}' >"$PREFIX/package.json"

# The user config the nested npm installs of the postinstall read: the caller's settings + the allow list.
npmrc="$PREFIX/.npmrc-install"
user_npmrc="$(npm config get userconfig 2>/dev/null | tail -n1 || true)"
{
  if [ -n "$user_npmrc" ] && [ -f "$user_npmrc" ] && [ "$user_npmrc" != "$npmrc" ]; then
    grep -v '^[[:space:]]*allow-scripts' "$user_npmrc" || true
  fi
  echo "allow-scripts=$ALLOW_SCRIPTS"
} >"$npmrc"

export npm_config_unsafe_perm=true npm_config_yes=true
export npm_config_ignore_scripts=false npm_config_foreground_scripts=true
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# Headers for node-gyp come from the installed node (Debian's nodejs ships them in /usr/include/node),
# never from a download.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi

log "npm install code-server@$VERSION into $PREFIX (builds native modules: a few minutes)"
start=$(date +%s)
(cd "$PREFIX" && npm install --no-save --no-package-lock "code-server@$VERSION")
[ -x "$BIN" ] || { log "npm finished but $BIN is missing"; exit 1; }

cs="$PREFIX/node_modules/code-server"
vs="$cs/lib/vscode"
if [ ! -d "$vs/node_modules/node-pty" ]; then
  # npm 11 skipped the postinstall (older npm runs it during the install above): run it ourselves.
  # It needs npm's user agent (to pick npm and check node's major version) and unsafe-perm as root.
  # The allow list must come from a config file, not from npm_config_allow_scripts: npm rejects that
  # variable in project-scoped installs (EALLOWSCRIPTS), and an npm running a lifecycle script exports
  # every setting it has as such a variable — which is why the postinstall cannot run inside
  # `npm install` with the allow list in effect.
  log "running code-server's postinstall (npm install in lib/vscode and lib/vscode/extensions)"
  (
    cd "$cs"
    export npm_config_userconfig="$npmrc"
    npm_config_user_agent="npm/$(npm --version 2>/dev/null) node/$(node --version) linux x64 workspaces/false"
    export npm_config_user_agent
    sh ./postinstall.sh
  )
fi
for f in node_modules/node-pty/build/Release/pty.node node_modules/@vscode/spdlog/build/Release/spdlog.node \
  node_modules/@vscode/ripgrep/bin/rg extensions/node_modules/typescript node_modules.asar; do
  [ -e "$vs/$f" ] || { log "postinstall did not complete: $vs/$f is missing"; exit 1; }
done
# (code-server writes a default config into $XDG_CONFIG_HOME on any start: keep it out of $HOME)
xdg="$(mktemp -d)"; XDG_CONFIG_HOME="$xdg" XDG_DATA_HOME="$xdg" "$BIN" --version >&2; rm -rf "$xdg"
end=$(date +%s)
log "installed in $((end - start)) s; size $(du -sh "$PREFIX" | cut -f1)"
date -u +%FT%TZ >"$MARKER"
echo "$BIN"
