#!/usr/bin/env bash
# Times what a new user does: clone zerowire, ./zerowire install, make a separate Maven project with
# the README's pom and the EchoServer example, build it, run it, and get an echo back.
#   examples/try-in-a-fresh-project.sh [LOCAL_MAVEN_REPO]
# With no argument the local Maven repository is a new empty directory (everything downloaded from
# Maven Central); pass ~/.m2/repository to measure with what is already there.
# Needs git, Maven, python3 and a JDK 21+ (JAVA_HOME, else the newest in /usr/lib/jvm).
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/zerowire-fresh.XXXXXX)"
repo="${1:-$work/m2}"
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  JAVA_HOME="$(ls -d /usr/lib/jvm/*/ | while read -r d; do v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release" 2>/dev/null); [ -n "$v" ] && [ "$v" -ge 21 ] && echo "$v $d"; done | sort -n | tail -1 | cut -d' ' -f2)"
fi
export JAVA_HOME="${JAVA_HOME%/}" PATH="${JAVA_HOME%/}/bin:$PATH"
t0=$(date +%s.%N)
stamp() { printf '%6.1f s  %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$*"; }

git clone -q "$src" "$work/zerowire"
stamp "cloned"
"$work/zerowire/zerowire" install -Dmaven.repo.local="$repo"
stamp "./zerowire install done"

app="$work/myapp"
mkdir -p "$app/src/main/java/myapp"
cat > "$app/pom.xml" <<'POM'
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>myapp</groupId>
  <artifactId>myapp</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>21</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.0</version>
      </plugin>
    </plugins>
  </build>
  <dependencies>
    <dependency>
      <groupId>dev.zerowire</groupId>
      <artifactId>zerowire-actors</artifactId>
      <version>0.1.0-SNAPSHOT</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.logback</groupId>
      <artifactId>logback-classic</artifactId>
      <version>1.5.38</version>
      <scope>runtime</scope>
    </dependency>
  </dependencies>
</project>
POM
sed 's/^package dev.zerowire.examples;/package myapp;/' "$work/zerowire/examples/src/main/java/dev/zerowire/examples/EchoServer.java" \
  > "$app/src/main/java/myapp/EchoServer.java"
(cd "$app" && mvn -B -q -ntp -Dmaven.repo.local="$repo" compile dependency:build-classpath -Dmdep.outputFile=cp.txt)
stamp "the app compiled"

port=$((20000 + RANDOM % 20000))
flags=(--enable-native-access=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED)
"$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[3-9]|[3-9][0-9])' && flags+=(--sun-misc-unsafe-memory-access=allow)
(cd "$app" && exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "target/classes:$(cat cp.txt)" myapp.EchoServer "$port") > "$app/app.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "echoing on" "$app/app.log" && break; sleep 0.1; done
python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hello zerowire"); s.shutdown(socket.SHUT_WR)
data = b""
while chunk := s.recv(100):
    data += chunk
assert data == b"hello zerowire", data
PY
stamp "the echo came back (log: $app/app.log, local repository: $repo, $(du -sh "$repo" | cut -f1))"
