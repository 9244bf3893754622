# Shared by the scripts: the cache outside the clone, step timing, ports, Java 17.
# Sourced, not run.

STREAMKIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${STREAMKIT_CACHE:-$HOME/.cache/streamkit}"
TOOLS="$CACHE/tools"
mkdir -p "$CACHE" "$TOOLS/bin"
export PATH="$TOOLS/bin:$HOME/.cargo/bin:$PATH"

# Maven keeps its jars in the cache too, so a fresh clone finds them.
MVN_REPO="$CACHE/m2"
mvn_q() { mvn -q -B -Dmaven.repo.local="$MVN_REPO" "$@"; }

# Java 17, the version the peers are built and run with.
java17_home() {
  local d
  for d in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17*; do
    [[ -x "$d/bin/java" ]] && { echo "$d"; return 0; }
  done
  return 1
}
if [[ -z "${JAVA_HOME:-}" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q '"17\.'; then
  JAVA_HOME="$(java17_home || true)"
fi
export JAVA_HOME
[[ -n "$JAVA_HOME" ]] && export PATH="$JAVA_HOME/bin:$PATH"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The first free port at or above $1.
free_port() {
  local p="$1"
  while port_open "$p"; do p=$((p + 1)); done
  echo "$p"
}

# Installs the Debian packages given that are missing (one apt-get update per run).
APT_UPDATED=""
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  echo "installing: ${missing[*]}"
  if [[ -z "$APT_UPDATED" ]]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null
}

# Each step prints its name, and its wall time when the next one starts.
STEP_NAME=""
STEP_START=0
RUN_START=$(date +%s)
STEP_TIMES=()
step_end() {
  if [[ -n "$STEP_NAME" ]]; then
    local took=$(($(date +%s) - STEP_START))
    STEP_TIMES+=("$(printf '%5ds  %s' "$took" "$STEP_NAME")")
    printf '    (%s: %ds)\n' "$STEP_NAME" "$took"
  fi
  STEP_NAME=""
}
step() {
  step_end
  STEP_NAME="$*"
  STEP_START=$(date +%s)
  printf '\n==> %s\n' "$*"
}
step_summary() {
  step_end
  printf '\nStep times:\n'
  printf '%s\n' "${STEP_TIMES[@]}"
  printf '%5ds  total\n' "$(($(date +%s) - RUN_START))"
}

# Compares a committed golden file with what an original outputs now.
#   golden_file_check LABEL COMMITTED GENERATE UPDATE WHO
# runs the function GENERATE with a temp file to write into, and fails, printing a diff,
# when its output differs from COMMITTED (UPDATE names the function that regenerates it,
# WHO the original, for the messages).
golden_file_check() {
  local label="$1" committed="$2" generate="$3" update="$4" who="$5" tmp
  tmp="$(mktemp)"
  if ! "$generate" "$tmp"; then
    rm -f "$tmp"
    echo "$label: the Java side failed" >&2
    return 1
  fi
  if ! diff -u "$committed" "$tmp"; then
    rm -f "$tmp"
    echo "$label: $who's output (+) differs from the committed file (-) $committed;" \
      "if the change is intended, run $update" >&2
    return 1
  fi
  rm -f "$tmp"
  echo "$label: the committed file is what $who outputs"
}
