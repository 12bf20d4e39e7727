package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * submit-scripts/submit-yarn.sh against a real YARN cluster: Hadoop's MiniYARNCluster (a
 * ResourceManager and a NodeManager in this JVM, at the Hadoop version Spark ships with) runs the
 * application master and the executors as containers, separate processes on this machine. The job
 * runs in cluster mode with the YARN preset, sized down to fit; the dependencies reach the
 * containers as {@code spark.yarn.jars} ({@code local:} links to this classpath's jars, as a
 * cluster would have them installed), the application as a jar of the project's classes.
 */
class YarnClusterTest {
  /** The web apps' Jersey and Guice log through java.util.logging (held here: JUL keeps loggers weakly). */
  private static final List<java.util.logging.Logger> QUIET = Stream.of("org.apache.hadoop.shaded.com.sun.jersey",
      "org.apache.hadoop.shaded.com.google.inject").map(java.util.logging.Logger::getLogger).toList();

  static {
    QUIET.forEach(l -> l.setLevel(java.util.logging.Level.SEVERE));
  }

  @TempDir Path tmp;

  @Test
  void aRunSubmittedToYarnInClusterModeCompletesAndEqualsTheLocalRun() throws Exception {
    YarnConfiguration conf = new YarnConfiguration();
    conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, 10240); // MiniYARNCluster's own key: it ignores NM_PMEM_MB
    conf.setInt(YarnConfiguration.NM_VCORES, 4);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 6144);
    // ND4J allocates off-heap; the preset's memoryOverhead covers it on a real cluster, these checks would only kill
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.9f); // a full test disk is no reason
    // the capacity scheduler's queues (a cluster's capacity-scheduler.xml): one queue, which the AM may fill
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
    Path runDir = tmp.resolve("yarn-run");
    Scripts.Result r;
    try (MiniYARNCluster yarn = new MiniYARNCluster("fednas-yarn-test", 1, 1, 1)) {
      yarn.init(conf);
      yarn.start();
      Path hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
      try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
        yarn.getConfig().writeXml(out); // with the addresses the cluster bound
      }
      r = Scripts.run(Duration.ofMinutes(8), Map.of("HADOOP_CONF_DIR", hadoopConf.toString(),
          "FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses()), submitCommand(runDir).toArray(new String[0]));
      // spark-submit waits for the application and fails unless YARN reports it SUCCEEDED
      assertEquals(0, r.exitCode(), r.out() + r.err() + containerLogs());
    }
    JsonNode summary = new ObjectMapper().readTree(runDir.resolve("summary.json").toFile());
    assertEquals("completed", summary.path("status").asText());
    assertEquals("yarn", summary.path("provenance").path("spark_master").asText(), summary.path("provenance").toString());
    JsonNode executors = summary.path("provenance").path("executors");
    assertEquals(2, executors.size(), executors.toString());
    for (JsonNode e : executors) {
      assertTrue(e.asText().matches("executor [12] on .+: ND4J CPU, convolutions on .+"), e.asText());
    }
    // the same config and seed on YARN's two executors as on local[2]: the same model
    JobRuns.Outcome local = JobRuns.run(tmp.resolve("local-run"), List.of("spark.master=local[2]"));
    assertEquals(0, local.exitCode(), local.err());
    assertEquals(JobRuns.metricsWithoutTimes(local.dir()), JobRuns.metricsWithoutTimes(runDir));
    assertArrayEquals(JobRuns.modelWeights(local.dir()), JobRuns.modelWeights(runDir));
  }

  private List<String> submitCommand(Path runDir) throws IOException {
    Path jars = Files.createDirectories(tmp.resolve("cluster-jars"));
    for (String entry : StandaloneCluster.classpath()) {
      Path p = Path.of(entry);
      if (entry.endsWith(".jar") && !entry.contains("hadoop-client-minicluster") && Files.isRegularFile(p)
          && !Files.exists(jars.resolve(p.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
      }
    }
    String javaHome = System.getProperty("java.home");
    List<String> cmd = new ArrayList<>(List.of("submit-scripts/submit-yarn.sh",
        "--jar", StandaloneCluster.applicationJar(tmp).toString(),
        "--conf", "num-executors=2", "--conf", "executor-cores=1", "--conf", "executor-memory=1g",
        "--conf", "driver-memory=2g", "--conf", "spark.executor.memoryOverhead=1g",
        "--conf", "spark.driver.memoryOverhead=1g", "--conf", "fednas.javacpp.maxBytes=1G",
        "--conf", "fednas.javacpp.maxPhysicalBytes=4G",
        "--conf", "fednas.dataDir=" + Path.of("datasets").toAbsolutePath(),
        "--conf", "spark.yarn.jars=local:" + jars + "/*",
        "--conf", "spark.yarn.stagingDir=" + tmp.resolve("staging").toUri(),
        "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome, "--conf", "spark.executorEnv.JAVA_HOME=" + javaHome,
        "conf/quickstart.conf"));
    // containers do not inherit this JVM's environment: the same BLAS kernels everywhere (an
    // OPENBLAS_CORETYPE set here picks them) give the same bits as the local run
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("OPENBLAS_")) {
        cmd.addAll(cmd.size() - 1, List.of("--conf", "spark.executorEnv." + k + "=" + v,
            "--conf", "spark.yarn.appMasterEnv." + k + "=" + v));
      }
    });
    cmd.addAll(JobRuns.SMALL);
    cmd.add("output.dir=" + runDir);
    return cmd;
  }

  /** The containers' stderr (the driver's and the executors'), for a failure's message. */
  private static String containerLogs() throws IOException {
    Path logs = Path.of("target", "test", "data", "fednas-yarn-test"); // where MiniYARNCluster keeps them
    if (!Files.isDirectory(logs)) {
      return "";
    }
    try (Stream<Path> files = Files.walk(logs)) {
      return files.filter(f -> f.getFileName().toString().equals("stderr")).map(f -> {
        try {
          String text = Files.readString(f);
          return "\n--- " + f + "\n" + text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
          return "\n--- " + f + ": " + e;
        }
      }).collect(Collectors.joining());
    }
  }
}
