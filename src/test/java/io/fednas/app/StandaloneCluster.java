package io.fednas.app;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Spark standalone cluster on 127.0.0.1 for tests: one master and N workers, each its own
 * JVM, started from the test's classpath. Spark's worker launches executors from
 * {@code $SPARK_HOME/jars}, so the cluster gets a SPARK_HOME whose jars/ links to the classpath's
 * jars. {@link #close()} stops every process it started, executors included. A secured cluster
 * (the default) authenticates every connection with a shared secret and encrypts its RPC, as
 * docs/DEPLOY.md tells an administrator to set it up: the daemons read the secret from a properties
 * file only its owner can read.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final Pattern ALIVE = Pattern.compile("\"state\"\\s*:\\s*\"ALIVE\"");

  private final List<ProcessHandle> started = new ArrayList<>();
  private final List<ProcessHandle> seenAtClose = new ArrayList<>();
  private final Path home;
  private final int port;
  private final int uiPort;

  private final List<String> daemonArgs;

  private StandaloneCluster(Path home, int port, int uiPort, List<String> daemonArgs) {
    this.home = home;
    this.port = port;
    this.uiPort = uiPort;
    this.daemonArgs = daemonArgs;
  }

  /**
   * Starts a cluster whose master and workers require {@code secret} ({@code null}: no security),
   * with its logs and work directories under {@code dir}; {@code secretDir} holds the daemons'
   * properties file, apart from the logs.
   */
  static StandaloneCluster start(Path dir, int workers, int workerMemoryMb, String secret, Path secretDir)
      throws Exception {
    Path home = dir.resolve("spark-home");
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : classpath()) {
      Path p = Path.of(entry);
      if (entry.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(jars.resolve(p.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
      }
    }
    List<String> daemonArgs = List.of();
    if (secret != null) {
      Path props = secretFile(secretDir.resolve("spark-daemons.properties"), String.join("\n",
          "spark.authenticate=true", "spark.authenticate.secret=" + secret, "spark.network.crypto.enabled=true",
          "spark.network.crypto.cipher=AES/GCM/NoPadding", ""));
      daemonArgs = List.of("--properties-file", props.toString());
    }
    StandaloneCluster c = new StandaloneCluster(home, freePort(), freePort(), daemonArgs);
    try {
      c.launch(dir.resolve("master.log"), "org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", String.valueOf(c.port), "--webui-port", String.valueOf(c.uiPort));
      c.awaitPort(c.port, Duration.ofSeconds(60));
      for (int i = 0; i < workers; i++) {
        c.launch(dir.resolve("worker" + i + ".log"), "org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--cores", "1", "--memory", workerMemoryMb + "m", "--webui-port", "0",
            "--work-dir", Files.createDirectories(dir.resolve("work" + i)).toString(), c.masterUrl());
      }
      c.awaitWorkers(workers, Duration.ofSeconds(90));
      return c;
    } catch (Exception e) {
      c.close();
      throw e;
    }
  }

  /** Writes {@code text} to a new file only its owner can read. */
  static Path secretFile(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    return Files.writeString(file, text);
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + port;
  }

  /** Every JVM this cluster started (master, workers, the executors seen at close) still alive. */
  List<ProcessHandle> alive() {
    List<ProcessHandle> out = new ArrayList<>();
    for (ProcessHandle p : started) {
      if (p.isAlive()) {
        out.add(p);
      }
      p.descendants().filter(ProcessHandle::isAlive).forEach(out::add);
    }
    seenAtClose.stream().filter(ProcessHandle::isAlive).filter(p -> !out.contains(p)).forEach(out::add);
    return out;
  }

  /**
   * SIGKILLs worker {@code i}'s JVM, as a lost node would; its executors are left to notice on
   * their own (they watch their worker and exit). Returns those executors.
   */
  List<ProcessHandle> killWorker(int i) {
    ProcessHandle worker = started.get(1 + i); // started: the master, then the workers
    List<ProcessHandle> executors = worker.descendants().toList();
    seenAtClose.addAll(executors);
    worker.destroyForcibly();
    return executors;
  }

  @Override
  public void close() {
    for (ProcessHandle p : started) {
      p.descendants().forEach(seenAtClose::add);
      seenAtClose.add(p);
    }
    seenAtClose.forEach(ProcessHandle::destroy);
    for (ProcessHandle p : seenAtClose) {
      try {
        p.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    }
  }

  /** A jar of the project's classes, as the application jar (the cluster's jars hold the rest). */
  static Path applicationJar(Path dir) throws IOException {
    Path classes = Path.of("target/classes");
    Path jar = dir.resolve("fednas-app.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      Files.walkFileTree(classes, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
          Files.copy(file, out);
          out.closeEntry();
          return FileVisitResult.CONTINUE;
        }
      });
    }
    return jar;
  }

  /** The test JVM's classpath (Surefire publishes the real one in java.class.path). */
  static List<String> classpath() {
    List<String> out = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!e.isEmpty()) {
        out.add(Path.of(e).toAbsolutePath().toString());
      }
    }
    return out;
  }

  static String classpathWithoutTestClasses() {
    return String.join(File.pathSeparator,
        classpath().stream().filter(e -> !e.endsWith("test-classes")).toList());
  }

  private void launch(Path log, String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(Files.readString(Path.of(".mvn/jvm.config")).trim().split("\\s+")));
    cmd.addAll(List.of("-Xmx512m", "-cp", home.resolve("jars") + File.separator + "*", mainClass));
    cmd.addAll(List.of(args));
    cmd.addAll(daemonArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12"); // Spark's launcher asks, even with jars/ present
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    started.add(p.toHandle());
  }

  private void awaitPort(int p, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      try (Socket s = new Socket("127.0.0.1", p)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(250);
      }
    }
    throw new IllegalStateException("Spark master did not open port " + p + " within " + timeout);
  }

  private void awaitWorkers(int n, Duration timeout) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + uiPort + "/json/")).build();
    long end = System.nanoTime() + timeout.toNanos();
    int alive = 0;
    while (System.nanoTime() < end) {
      try {
        Matcher m = ALIVE.matcher(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
        alive = 0;
        while (m.find()) {
          alive++;
        }
        if (alive >= n) {
          return;
        }
      } catch (IOException notYet) {
        // the UI starts a little after the RPC port
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(alive + " of " + n + " workers registered within " + timeout);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

}
