# Sourced by podshim's scripts: exports JAVA_HOME pointing at a JDK 25 (Temurin under /usr/lib/jvm).
# The machine's default java is 17; podshim's build and daemon need 25.
# A JDK's version is read from its release file, not by starting `java -version` (30 ms per start).
podshim_is_jdk25() {
  [ -x "$1/bin/java" ] && grep -qE '^JAVA_VERSION="25([."]|$)' "$1/release" 2>/dev/null
}
podshim_find_jdk() {
  local candidate
  if [ -n "${JAVA_HOME:-}" ] && podshim_is_jdk25 "$JAVA_HOME"; then
    return 0
  fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25*; do
    if podshim_is_jdk25 "$candidate"; then
      export JAVA_HOME=$candidate
      return 0
    fi
  done
  echo "podshim: no JDK 25 found under /usr/lib/jvm; install Temurin 25 (temurin-25-jdk) or set JAVA_HOME" >&2
  return 1
}
podshim_find_jdk
