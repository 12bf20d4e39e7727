package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real multi-process deployment: a standalone master and two workers (separate JVMs), the job
 * submitted through submit-standalone.sh, and the result compared with local mode's; also with a
 * worker killed in the middle of a stage.
 */
class StandaloneClusterTest {
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

  private static List<String> submitCommand(StandaloneCluster cluster, Path tmp, Path runDir) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("submit-scripts/submit-standalone.sh",
        "--master", cluster.masterUrl(), "--jar", StandaloneCluster.applicationJar(tmp).toString(),
        "--conf", "driver-memory=2g", "conf/quickstart.conf"));
    cmd.addAll(JobRuns.SMALL);
    cmd.add("output.dir=" + runDir);
    return cmd;
  }

  @Test
  void aRunSubmittedToAStandaloneClusterEqualsTheLocalRun() throws Exception {
    Path clusterRun = tmp.resolve("cluster-run");
    StandaloneCluster cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2, 2048);
    Scripts.Result r;
    try {
      List<String> cmd = submitCommand(cluster, tmp, clusterRun);
      r = Scripts.run(Duration.ofMinutes(6),
          Map.of("FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses()), cmd.toArray(new String[0]));
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
  }

  @Test
  void aWorkerKilledInTheMiddleOfAStageChangesNothing() throws Exception {
    Path clusterRun = tmp.resolve("cluster-run");
    Path log = tmp.resolve("submit.log");
    StandaloneCluster cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2, 2048);
    int exit;
    String killedDuring;
    try {
      ProcessBuilder pb = new ProcessBuilder(submitCommand(cluster, tmp, clusterRun)).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().remove("SPARK_HOME");
      pb.environment().put("FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses());
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
