"""The local SolrCloud that ``make solr`` and the tests start: the launcher in ``solr/launcher``
(one JVM: an embedded ZooKeeper and N Jetty Solr nodes, from Maven Central's Solr jars), built
with Maven on first use, and driven through its one-line JSON protocol on standard input and
output (stop a node, start it again, status, shutdown).

``python -m indexer.solr.cluster --dir instance/solr`` builds the launcher and runs the cluster
in the foreground (Ctrl-C stops it; so does ``make solr-stop``)."""
from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LAUNCHER = ROOT / "solr" / "launcher"
MAIN_CLASS = "org.arshif.solr.Launcher"
# Ports of `make solr` (node i listens on NODE_PORT + i - 1); the tests take free ports.
NODE_PORT = 8983
ZK_PORT = 9983
HEAP = "1g"


class ClusterUnavailable(Exception):
    """The local cluster cannot be built or started here (no Java, no Maven, a failed start)."""


def _built(classes: Path, classpath: Path, stamp: Path) -> bool:
    """The launcher was built (``stamp``, touched after a successful build) after its sources
    last changed, and every jar it needs is present."""
    if not (stamp.exists() and classpath.exists() and (classes / "org").exists()):
        return False
    newest_source = max(p.stat().st_mtime for p in [LAUNCHER / "pom.xml", *(LAUNCHER / "src").rglob("*")]
                        if p.is_file())
    if stamp.stat().st_mtime < newest_source:
        return False
    return all(Path(jar).exists() for jar in classpath.read_text().strip().split(os.pathsep) if jar)


def launcher_command(heap: str = HEAP) -> list[str]:
    """The java command that runs the launcher, building it with Maven first when needed (the
    first build downloads Solr's jars into ~/.m2)."""
    java, mvn = shutil.which("java"), shutil.which("mvn")
    if java is None:
        raise ClusterUnavailable("Java is not installed (Solr 9.10 needs Java 11 or later; Debian: openjdk-17-jre-headless)")
    target = LAUNCHER / "target"
    classes, classpath, stamp = target / "classes", target / "classpath.txt", target / "built"
    if not _built(classes, classpath, stamp):
        if mvn is None:
            raise ClusterUnavailable("Maven is not installed (it builds solr/launcher; Debian: maven)")
        done = subprocess.run([mvn, "-B", "-q", "-f", str(LAUNCHER / "pom.xml"), "compile"],
                              capture_output=True, text=True)
        if done.returncode == 0 and classpath.exists():
            stamp.touch()
        if not _built(classes, classpath, stamp):
            tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
            raise ClusterUnavailable("building solr/launcher with Maven failed:\n" + "\n".join(tail))
    cp = str(classes) + os.pathsep + classpath.read_text().strip()
    # Two nodes and ZooKeeper share one JVM on a small machine: a bounded heap, serial GC.
    return [java, f"-Xmx{heap}", "-XX:+UseSerialGC", "-Djava.awt.headless=true", "-cp", cp, MAIN_CLASS]


class LocalCluster:
    """A running launcher process. ``port=0`` and ``zk_port=0`` take free ports."""

    def __init__(self, directory: str | os.PathLike, nodes: int = 2, port: int = 0, zk_port: int = 0,
                 heap: str = HEAP):
        self.directory = Path(directory)
        self.nodes = nodes
        self.port = port
        self.zk_port = zk_port
        self.heap = heap
        self.proc: subprocess.Popen | None = None
        self.zk: str | None = None
        self.node_urls: list[str] = []
        self.started_in: float | None = None
        self._lines: queue.Queue = queue.Queue()

    @property
    def solr_url(self) -> str:
        """Every node's URL, comma-separated (the form ``SOLR_URL`` takes)."""
        return ",".join(self.node_urls)

    def start(self, timeout: float = 240.0) -> "LocalCluster":
        command = launcher_command(self.heap) + [
            "--dir", str(self.directory), "--nodes", str(self.nodes), "--port", str(self.port),
            "--zk-port", str(self.zk_port), "--exit-on-eof"]
        self.directory.mkdir(parents=True, exist_ok=True)
        stderr = open(self.directory / "launcher.err", "ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, text=True, encoding="utf-8", bufsize=1)
        stderr.close()
        threading.Thread(target=self._read, daemon=True).start()
        answer = self._answer(timeout)
        if answer.get("event") != "ready":
            self.shutdown()
            raise ClusterUnavailable(f"the Solr launcher did not start: {answer.get('message', answer)} "
                                     f"(see {self.directory / 'logs' / 'solr.log'})")
        self.started_in = time.monotonic() - started
        self._note(answer)
        return self

    def _read(self) -> None:
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                self._lines.put(json.loads(line))
        self._lines.put({"event": "exited", "message": "the launcher process ended"})

    def _answer(self, timeout: float) -> dict:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            return {"event": "error", "message": f"no answer within {timeout:.0f} s"}

    def _note(self, answer: dict) -> None:
        if "zk" in answer:
            self.zk = answer["zk"]
        if "nodes" in answer:
            self.node_urls = [n["url"] for n in answer["nodes"]]

    def command(self, line: str, timeout: float = 120.0) -> dict:
        """Send one command (``stop 2``, ``start 2``, ``status``) and return its answer."""
        if self.proc is None or self.proc.poll() is not None:
            raise ClusterUnavailable("the local Solr cluster is not running")
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self._answer(timeout)
        if answer.get("event") in ("error", "exited"):
            raise ClusterUnavailable(f"'{line}': {answer.get('message')}")
        self._note(answer)
        return answer

    def stop_node(self, n: int) -> dict:
        return self.command(f"stop {n}")

    def start_node(self, n: int) -> dict:
        return self.command(f"start {n}")

    def shutdown(self, timeout: float = 60.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # --exit-on-eof: the launcher stops nodes, then ZooKeeper
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a local SolrCloud for Arshif in the foreground "
                                                 "(Ctrl-C stops it).")
    parser.add_argument("--dir", default="instance/solr", help="where ZooKeeper's and the nodes' data live")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--port", type=int, default=NODE_PORT, help="first node's port (the next nodes count up)")
    parser.add_argument("--zk-port", type=int, default=ZK_PORT)
    parser.add_argument("--stop", action="store_true", help="stop the cluster running on --dir")
    args = parser.parse_args(argv)
    directory = Path(args.dir).resolve()
    if args.stop:
        pid_file = directory / "launcher.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            sys.exit(f"no Solr cluster is running on {directory} (no {pid_file.name})")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pid_file.unlink(missing_ok=True)
            sys.exit(f"the Solr cluster on {directory} had already stopped")
        print(f"stopping the Solr cluster on {directory} (process {pid})")
        return
    try:
        command = launcher_command()
    except ClusterUnavailable as exc:
        sys.exit(str(exc))
    directory.mkdir(parents=True, exist_ok=True)
    print(f"Solr nodes on ports {args.port}..{args.port + args.nodes - 1}, ZooKeeper on {args.zk_port}, "
          f"data in {directory}, logs in {directory / 'logs'}; Ctrl-C or 'make solr-stop' stops it.",
          flush=True)
    os.execv(command[0], command + ["--dir", str(directory), "--nodes", str(args.nodes),
                                    "--port", str(args.port), "--zk-port", str(args.zk_port)])


if __name__ == "__main__":
    main()
