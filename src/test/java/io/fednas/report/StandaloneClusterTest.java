package io.fednas.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real multi-process deployment: a standalone master and two workers (separate JVMs), the job
 * submitted through submit-standalone.sh, and the result compared with local mode's.
 */
class StandaloneClusterTest {
  @TempDir Path tmp;

  @Test
  void aRunSubmittedToAStandaloneClusterEqualsTheLocalRun() throws Exception {
    Path clusterRun = tmp.resolve("cluster-run");
    StandaloneCluster cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2, 2048);
    Scripts.Result r;
    try {
      List<String> cmd = new ArrayList<>(List.of("submit-scripts/submit-standalone.sh",
          "--master", cluster.masterUrl(), "--jar", StandaloneCluster.applicationJar(tmp).toString(),
          "--conf", "driver-memory=2g", "conf/quickstart.conf"));
      cmd.addAll(JobRuns.SMALL);
      cmd.add("output.dir=" + clusterRun);
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

    JobRuns.Outcome local = JobRuns.run(tmp.resolve("local-run"), List.of("spark.master=local[2]"));
    assertEquals(0, local.exitCode(), local.err());
    assertEquals(JobRuns.metricsWithoutTimes(local.dir()), JobRuns.metricsWithoutTimes(clusterRun));
    assertArrayEquals(JobRuns.modelWeights(local.dir()), JobRuns.modelWeights(clusterRun));
  }
}
