package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real multi-process deployment: a standalone master and two workers (separate JVMs), the job
 * submitted through submit-standalone.sh, and the result compared with local mode's; also with a
 * worker killed in the middle of a stage. The cluster is secured as the standalone preset expects:
 * authentication with a shared secret, encrypted RPC; the job adds encrypted local blocks.
 */
class StandaloneClusterTest {
  /** A fresh secret each run, so a grep for it can only find what this test's processes leaked. */
  private static final String SECRET = "fednas-test-secret-" + UUID.randomUUID();

  @TempDir Path tmp;
  @TempDir static Path shared;
  private static Path localRun;

  /** The same job on local[2], run once for both tests. */
  private static synchronized Path localRun() {
    if (localRun == null) {
      JobRuns.Outcome local = JobRuns.run(shared.resolve("local-run"), List.of("spark.master=local[2]"));
      assertEquals(0, local.exitCode(), local.err());
      localRun = local.dir();
    }
    return localRun;
  }

  private static List<String> submitCommand(StandaloneCluster cluster, Path tmp, Path runDir, String... options)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("submit-scripts/submit-standalone.sh",
        "--master", cluster.masterUrl(), "--jar", StandaloneCluster.applicationJar(tmp).toString(),
        "--conf", "driver-memory=2g"));
    cmd.addAll(List.of(options));
    cmd.add("conf/quickstart.conf");
    cmd.addAll(JobRuns.SMALL);
    cmd.add("output.dir=" + runDir);
    return cmd;
  }

  private StandaloneCluster securedCluster() throws Exception {
    return StandaloneCluster.start(tmp.resolve("cluster"), 2, 2048, SECRET, tmp.resolve("secrets"));
  }

  /** The environment of a submit that holds {@code secret} in a file only its owner can read. */
  private Map<String, String> submitEnv(String secret) throws Exception {
    Path file = StandaloneCluster.secretFile(tmp.resolve("secrets/client-" + UUID.randomUUID()), secret + "\n");
    return Map.of("FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses(),
        "FEDNAS_SPARK_SECRET_FILE", file.toString());
  }

  @Test
  void aRunSubmittedToAStandaloneClusterEqualsTheLocalRun() throws Exception {
    Path clusterRun = tmp.resolve("cluster-run");
    StandaloneCluster cluster = securedCluster();
    Scripts.Result r;
    try {
      List<String> cmd = submitCommand(cluster, tmp, clusterRun);
      r = Scripts.run(Duration.ofMinutes(6), submitEnv(SECRET), cmd.toArray(new String[0]));
      assertEquals(0, r.exitCode(), r.out() + r.err());
      assertTrue(r.out().contains("spark: " + cluster.masterUrl()), r.out());
      // both workers ran an executor for the job
      for (int i = 0; i < 2; i++) {
        try (Stream<Path> apps = Files.list(tmp.resolve("cluster/work" + i))) {
          assertTrue(apps.anyMatch(a -> Files.exists(a.resolve("0/stderr")) || Files.exists(a.resolve("1/stderr"))),
              "worker " + i + " launched no executor");
        }
      }
    } finally {
      cluster.close();
    }
    assertEquals(List.of(), cluster.alive(), "cluster processes left running");

    assertEquals(JobRuns.metricsWithoutTimes(localRun()), JobRuns.metricsWithoutTimes(clusterRun));
    assertArrayEquals(JobRuns.modelWeights(localRun()), JobRuns.modelWeights(clusterRun));
    // the run was secured, and the secret is nowhere in its outputs, the console or the cluster's logs
    assertTrue(filesContaining(tmp.resolve("cluster"), "Running task").contains("stderr"),
        "the executors' logs are among the files searched");
    assertEquals("", filesContaining(tmp.resolve("cluster"), SECRET));
    assertEquals("", filesContaining(clusterRun, SECRET));
    assertFalse((r.out() + r.err()).contains(SECRET), "the secret was printed");
    assertTrue(Files.readString(tmp.resolve("cluster/master.log")).contains("authentication enabled"),
        "the master runs with authentication");
    JsonNode provenance = new ObjectMapper().readTree(clusterRun.resolve("summary.json").toFile()).path("provenance");
    // each worker's executor reports what it trained with, beside the driver's own view
    assertEquals(2, provenance.path("executors").size(), provenance.toString());
    for (JsonNode e : provenance.path("executors")) {
      assertTrue(e.asText().matches("executor \\d+ on .+: ND4J CPU, convolutions on .+"), e.asText());
    }
    JsonNode security = provenance.path("spark_security");
    for (String on : List.of("authentication", "rpc_encryption", "io_encryption", "ui_acls")) {
      assertTrue(security.path(on).asBoolean(), on + " in " + security);
    }
  }

  @Test
  void aJobWithoutTheClusterSecretIsRefused() throws Exception {
    StandaloneCluster cluster = securedCluster();
    try {
      // Spark retries a refused registration for about a minute: both attempts run side by side
      Map<String, java.util.concurrent.Future<Scripts.Result>> attempts = new java.util.LinkedHashMap<>();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        for (List<String> attempt : List.of(List.of("wrong-secret"), List.of("security-off", "--conf",
            "fednas.security=off"))) {
          List<String> cmd = submitCommand(cluster, tmp, tmp.resolve(attempt.get(0)),
              attempt.subList(1, attempt.size()).toArray(new String[0]));
          Map<String, String> env = submitEnv("not-" + SECRET);
          attempts.put(attempt.get(0), pool.submit(() -> Scripts.run(Duration.ofMinutes(4), env,
              cmd.toArray(new String[0]))));
        }
        for (Map.Entry<String, java.util.concurrent.Future<Scripts.Result>> a : attempts.entrySet()) {
          Scripts.Result r = a.getValue().get();
          System.out.printf("StandaloneClusterTest: %s refused after %d s%n", a.getKey(), r.took().toSeconds());
          assertEquals(2, r.exitCode(), a.getKey() + ": " + r.out() + r.err());
          assertTrue(r.err().contains("error: the Spark master " + cluster.masterUrl() + " did not register this "
              + "application"), a.getKey() + ": " + r.err());
          assertFalse(Files.exists(tmp.resolve(a.getKey()).resolve("rounds.csv")), a.getKey() + ": no round ran");
        }
      } finally {
        pool.shutdownNow();
      }
    } finally {
      cluster.close();
    }
    assertEquals(List.of(), cluster.alive(), "cluster processes left running");
  }

  /** The files under {@code dir} that contain {@code text}, one per line ("" when none). */
  private static String filesContaining(Path dir, String text) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".jar")).toList()) {
        if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(text)) {
          out.append(dir.relativize(f)).append('\n');
        }
      }
    }
    return out.toString();
  }

  @Test
  void aWorkerKilledInTheMiddleOfAStageChangesNothing() throws Exception {
    Path clusterRun = tmp.resolve("cluster-run");
    Path log = tmp.resolve("submit.log");
    StandaloneCluster cluster = securedCluster();
    Path secretFile = StandaloneCluster.secretFile(tmp.resolve("secrets/client"), SECRET);
    int exit;
    String killedDuring;
    try {
      ProcessBuilder pb = new ProcessBuilder(submitCommand(cluster, tmp, clusterRun)).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().remove("SPARK_HOME");
      pb.environment().put("FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses());
      pb.environment().put("FEDNAS_SPARK_SECRET_FILE", secretFile.toString());
      Process job = pb.start();
      try {
        // once round 1 is reported, wait for worker 0's executor to start a task of a later stage, then kill the worker
        waitFor(log, Pattern.compile("(?m)^round\\s+1\\b"), job);
        Path executorLog = executorStderr(tmp.resolve("cluster/work0"));
        int before = count(executorLog, "Running task");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count(executorLog, "Running task") == before && System.nanoTime() < until && job.isAlive()) {
          Thread.sleep(20);
        }
        List<String> started = Files.readString(executorLog, StandardCharsets.ISO_8859_1).lines()
            .filter(l -> l.contains("Running task")).toList();
        // the kill must land while the job runs and worker 0 works on it, or the test shows nothing
        assertTrue(started.size() > before && job.isAlive(),
            "no new task on worker 0 after round 1:\n" + Files.readString(log));
        killedDuring = started.get(started.size() - 1);
        List<ProcessHandle> executors = cluster.killWorker(0);
        assertTrue(!executors.isEmpty(), "worker 0 had no executor");
        for (ProcessHandle e : executors) { // a worker's executors exit when it is gone
          e.onExit().get(60, TimeUnit.SECONDS);
        }
        assertTrue(job.waitFor(6, TimeUnit.MINUTES), "the job did not finish after the worker was killed");
        exit = job.exitValue();
      } finally {
        job.descendants().forEach(ProcessHandle::destroyForcibly);
        job.destroyForcibly();
      }
    } finally {
      cluster.close();
    }
    String out = Files.readString(log);
    System.out.println("StandaloneClusterTest: killed worker 0 while its executor ran: " + killedDuring);
    assertEquals(0, exit, out);
    assertEquals(List.of(), cluster.alive(), "cluster processes left running");
    assertEquals(JobRuns.metricsWithoutTimes(localRun()), JobRuns.metricsWithoutTimes(clusterRun), killedDuring);
    assertArrayEquals(JobRuns.modelWeights(localRun()), JobRuns.modelWeights(clusterRun), killedDuring);
  }

  private static void waitFor(Path log, Pattern line, Process job) throws Exception {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!line.matcher(Files.readString(log)).find()) {
      assertTrue(job.isAlive(), "the job ended early:\n" + Files.readString(log));
      assertTrue(System.nanoTime() < until, "no " + line + " within 4 minutes:\n" + Files.readString(log));
      Thread.sleep(50);
    }
  }

  /** The stderr log of the (first) executor a worker launched: work/APP/EXEC/stderr. */
  private static Path executorStderr(Path workDir) throws Exception {
    try (Stream<Path> s = Files.walk(workDir)) {
      return s.filter(p -> p.getFileName().toString().equals("stderr")).findFirst()
          .orElseThrow(() -> new AssertionError("worker 0 launched no executor"));
    }
  }

  private static int count(Path file, String what) throws Exception {
    return (int) Files.readString(file, StandardCharsets.ISO_8859_1).lines().filter(l -> l.contains(what)).count();
  }
}
