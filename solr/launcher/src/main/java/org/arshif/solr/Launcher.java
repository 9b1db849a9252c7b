package org.arshif.solr;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.solr.cloud.ZkTestServer;
import org.apache.solr.common.cloud.SolrZkClient;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * A local SolrCloud for Arshif: one embedded ZooKeeper and N Jetty Solr nodes in this JVM, all
 * data under one folder, kept across restarts (ZooKeeper's state and every node's cores).
 *
 * <p>Usage: {@code Launcher --dir DIR [--nodes 2] [--port 8983] [--zk-port 9983] [--exit-on-eof]}.
 * The process id is written to DIR/launcher.pid while the cluster runs ({@code make solr-stop}).
 * Node i listens on port+i-1 (port 0: free ports chosen by the system). Every answer is one JSON
 * line on standard output; the first is {@code {"event":"ready","zk":...,"nodes":[...]}}.
 * Commands, one per line on standard input: {@code stop N}, {@code start N} (N from 1; a restarted
 * node keeps its port and its cores), {@code status}, {@code shutdown}. SIGTERM and Ctrl-C stop
 * the nodes, then ZooKeeper. With {@code --exit-on-eof} the cluster also stops when standard input
 * closes, so a test run that dies never leaves a cluster behind.
 */
public final class Launcher {
  private final Path dir;
  private final List<JettySolrRunner> nodes = new ArrayList<>();
  private ZkTestServer zk;
  private volatile boolean stopped;
  private volatile Path pidFile;

  private Launcher(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    Path dir = null;
    int nodeCount = 2, port = 8983, zkPort = 9983;
    boolean exitOnEof = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]).toAbsolutePath();
        case "--nodes" -> nodeCount = Integer.parseInt(args[++i]);
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--zk-port" -> zkPort = Integer.parseInt(args[++i]);
        case "--exit-on-eof" -> exitOnEof = true;
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    if (dir == null) {
      System.err.println("usage: Launcher --dir DIR [--nodes 2] [--port 8983] [--zk-port 9983] [--exit-on-eof]");
      System.exit(2);
    }
    Launcher launcher = new Launcher(dir);
    Runtime.getRuntime().addShutdownHook(new Thread(launcher::stopAll, "arshif-solr-shutdown"));
    System.setProperty("arshif.solr.logdir", dir.resolve("logs").toString());
    long started = System.nanoTime();
    try {
      launcher.start(nodeCount, port, zkPort);
    } catch (Exception e) {
      say("{\"event\":\"error\",\"message\":" + quote(String.valueOf(e)) + "}");
      System.exit(1);
    }
    say("{\"event\":\"ready\",\"seconds\":"
        + String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9)
        + ",\"zk\":" + quote(launcher.zk.getZkAddress()) + ",\"nodes\":" + launcher.urls() + "}");
    Path pidFile = dir.resolve("launcher.pid");
    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
    launcher.pidFile = pidFile;
    launcher.serve(System.in, exitOnEof);
  }

  private void start(int nodeCount, int port, int zkPort) throws Exception {
    Files.createDirectories(dir.resolve("logs"));
    Path zkDir = dir.resolve("zookeeper");
    boolean fresh = !Files.isDirectory(zkDir);
    zk = new ZkTestServer(zkDir, zkPort);
    // run(true) clears and creates the /solr chroot: only the first time, so a restarted cluster
    // finds its collections, aliases and configsets again.
    zk.run(fresh);
    try (SolrZkClient client = new SolrZkClient.Builder()
        .withUrl(zk.getZkHost()).withTimeout(30, TimeUnit.SECONDS).build()) {
      if (!client.exists("/solr/solr.xml", true)) {
        byte[] xml;
        try (InputStream in = Launcher.class.getResourceAsStream("/solr.xml")) {
          xml = in.readAllBytes();
        }
        client.makePath("/solr/solr.xml", xml, true);
      }
    }
    for (int i = 1; i <= nodeCount; i++) {
      Path home = dir.resolve("node" + i);
      Files.createDirectories(home);
      Properties props = new Properties();
      props.setProperty("zkHost", zk.getZkAddress());
      JettyConfig config = JettyConfig.builder()
          .setPort(port == 0 ? 0 : port + i - 1).setContext("/solr").stopAtShutdown(false).build();
      JettySolrRunner node = new JettySolrRunner(home.toString(), props, config);
      node.start();
      nodes.add(node);
    }
  }

  private String urls() {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < nodes.size(); i++) {
      JettySolrRunner node = nodes.get(i);
      if (i > 0) out.append(',');
      out.append("{\"node\":").append(i + 1)
          .append(",\"url\":").append(quote("http://127.0.0.1:" + node.getLocalPort() + "/solr"))
          .append(",\"running\":").append(node.isRunning()).append('}');
    }
    return out.append(']').toString();
  }

  private void serve(InputStream input, boolean exitOnEof) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.trim().split("\\s+");
      if (words[0].isEmpty()) continue;
      try {
        switch (words[0]) {
          case "stop" -> {
            JettySolrRunner node = node(words);
            node.stop();
            say("{\"event\":\"stopped\",\"node\":" + words[1] + ",\"nodes\":" + urls() + "}");
          }
          case "start" -> {
            JettySolrRunner node = node(words);
            if (!node.isRunning()) node.start();
            say("{\"event\":\"started\",\"node\":" + words[1] + ",\"nodes\":" + urls() + "}");
          }
          case "status" -> say("{\"event\":\"status\",\"zk\":" + quote(zk.getZkAddress())
              + ",\"nodes\":" + urls() + "}");
          case "shutdown" -> {
            stopAll();
            say("{\"event\":\"shutdown\"}");
            System.exit(0);
          }
          default -> say("{\"event\":\"error\",\"message\":" + quote("unknown command: " + words[0]) + "}");
        }
      } catch (IllegalArgumentException e) {
        say("{\"event\":\"error\",\"message\":" + quote(e.getMessage()) + "}");
      }
    }
    if (exitOnEof) {
      System.exit(0);  // the shutdown hook stops the cluster
    }
    Thread.currentThread().join();  // standard input closed (e.g. started in the background): run until signalled
  }

  private JettySolrRunner node(String[] words) {
    if (words.length < 2 || !words[1].matches("\\d+")) {
      throw new IllegalArgumentException(words[0] + " needs a node number");
    }
    int n = Integer.parseInt(words[1]);
    if (n < 1 || n > nodes.size()) {
      throw new IllegalArgumentException("no node " + n + " (1.." + nodes.size() + ")");
    }
    return nodes.get(n - 1);
  }

  private synchronized void stopAll() {
    if (stopped) return;
    stopped = true;
    for (JettySolrRunner node : nodes) {
      try {
        if (node.isRunning()) node.stop();
      } catch (Exception e) {
        System.err.println("stopping a node: " + e);
      }
    }
    if (zk != null) {
      try {
        zk.shutdown();
      } catch (Exception e) {
        System.err.println("stopping ZooKeeper: " + e);
      }
    }
    if (pidFile != null) {
      try {
        Files.deleteIfExists(pidFile);
      } catch (Exception e) {
        System.err.println("removing " + pidFile + ": " + e);
      }
    }
  }

  private static synchronized void say(String json) {
    System.out.println(json);
    System.out.flush();
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> out.append(c < 0x20 ? ' ' : c);
      }
    }
    return out.append('"').toString();
  }
}
