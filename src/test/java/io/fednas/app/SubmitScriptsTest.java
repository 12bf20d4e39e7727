package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster submit scripts: the commands they build, the Airflow DAG's, and fast failures. */
class SubmitScriptsTest {
  private static final Duration FAST = Duration.ofSeconds(20);

  @TempDir Path tmp;

  /** Value of {@code --conf key=...} in a spark-submit word list. */
  private static String conf(List<String> words, String key) {
    for (int i = 0; i + 1 < words.size(); i++) {
      if (words.get(i).equals("--conf") && words.get(i + 1).startsWith(key + "=")) {
        return words.get(i + 1).substring(key.length() + 1);
      }
    }
    throw new AssertionError("no --conf " + key + " in " + words);
  }

  private static String option(List<String> words, String flag) {
    int i = words.indexOf(flag);
    assertTrue(i >= 0 && i + 1 < words.size(), "no " + flag + " in " + words);
    return words.get(i + 1);
  }

  private static List<String> dryRun(Map<String, String> env, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = args[0];
    cmd[1] = "--dry-run";
    System.arraycopy(args, 1, cmd, 2, args.length - 1);
    Scripts.Result r = Scripts.run(FAST, env, cmd);
    assertEquals(0, r.exitCode(), r.err());
    return Scripts.shellWords(r.out().strip());
  }

  @Test
  void yarnDryRunPrintsTheSparkSubmitLineWithEveryFlagThatMatters() throws Exception {
    List<String> w = dryRun(Map.of("SPARK_HOME", "/opt/spark"),
        "submit-scripts/submit-yarn.sh", "--resume", "/shared/runs/r1", "conf/fednas-mnist.conf", "federated.rounds=3");
    assertEquals("/opt/spark/bin/spark-submit", w.get(0));
    assertEquals("yarn", option(w, "--master"));
    assertEquals("cluster", option(w, "--deploy-mode"));
    assertEquals("io.fednas.app.FedNasJob", option(w, "--class"));
    assertEquals("4", option(w, "--executor-cores"));
    assertEquals("8g", option(w, "--executor-memory"));
    assertEquals("7g", conf(w, "spark.executor.memoryOverhead"));
    assertEquals("1", conf(w, "spark.executorEnv.OMP_NUM_THREADS"));
    // every Java 17 flag of .mvn/jvm.config, and ND4J's off-heap limit, on the driver and the executors
    List<String> jvmFlags = List.of(Files.readString(Path.of(".mvn/jvm.config")).trim().split("\\s+"));
    for (String side : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
      List<String> opts = List.of(conf(w, side).split(" "));
      assertTrue(opts.containsAll(jvmFlags), side + " lacks Java 17 flags: " + opts);
      assertTrue(opts.contains("-Dorg.bytedeco.javacpp.maxbytes=6G"), side + ": " + opts);
    }
    // cluster mode: the config and the device profiles travel with --files, the job reads them by name
    String files = option(w, "--files");
    assertTrue(files.startsWith("conf/fednas-mnist.conf,") && files.contains("conf/devices/phone-low.conf"), files);
    int jar = w.indexOf("io.fednas.app.FedNasJob") + 1;
    assertTrue(w.get(jar).endsWith("-dist.jar"), w.get(jar));
    List<String> appArgs = w.subList(jar + 1, w.size());
    assertEquals("fednas-mnist.conf", appArgs.get(0));
    assertTrue(appArgs.containsAll(List.of("search.devicesDir=.", "federated.rounds=3")), appArgs.toString());
    int resume = appArgs.indexOf("--resume"); // the job continues the run in that directory
    assertTrue(resume > 0 && appArgs.get(resume + 1).equals("/shared/runs/r1"), appArgs.toString());
  }

  @Test
  void k8sDryRunUsesTheImageAndItsJarAndGpuAddsResourceScheduling() throws Exception {
    Map<String, String> env = Map.of("FEDNAS_IMAGE", "registry.example/fednas:0.1",
        "FEDNAS_UPLOAD_PATH", "s3a://bucket/fednas", "SPARK_HOME", "/opt/spark");
    List<String> w = dryRun(env, "submit-scripts/submit-k8s.sh", "--gpu", "--master",
        "k8s://https://10.0.0.1:6443", "conf/fednas-fashion.conf");
    assertEquals("k8s://https://10.0.0.1:6443", option(w, "--master"));
    assertEquals("cluster", option(w, "--deploy-mode"));
    assertEquals("registry.example/fednas:0.1", conf(w, "spark.kubernetes.container.image"));
    assertEquals("s3a://bucket/fednas", conf(w, "spark.kubernetes.file.upload.path"));
    assertTrue(w.contains("local:///opt/fednas/fednas-spark-dist.jar"), w.toString());
    assertTrue(w.contains("data.dir=/opt/fednas/datasets"), w.toString());
    assertEquals("1", conf(w, "spark.executor.resource.gpu.amount"));
    assertEquals("0.25", conf(w, "spark.task.resource.gpu.amount"));
    assertTrue(conf(w, "spark.executor.resource.gpu.discoveryScript").endsWith("submit-scripts/gpu/discover-gpus.sh"));
  }

  @Test
  void theAirflowDagSubmitsWhatTheScriptsSubmit() throws Exception {
    for (String[] c : List.of(new String[] {"yarn", ""}, new String[] {"k8s", "k8s://https://10.0.0.1:6443"},
        new String[] {"standalone", "spark://10.0.0.2:7077"})) {
      Map<String, String> env = new HashMap<>(Map.of("FEDNAS_IMAGE", "img", "FEDNAS_UPLOAD_PATH", "hdfs:///up"));
      if (!c[1].isEmpty()) {
        env.put("FEDNAS_MASTER", c[1]);
      }
      Scripts.Result r = Scripts.run(FAST, env, "python3", "src/test/python/check_airflow_dag.py", c[0],
          "conf/fednas-mnist.conf", "federated.rounds=3");
      assertEquals(0, r.exitCode(), c[0] + ":\n" + r.out() + r.err());
      assertTrue(r.out().startsWith("OK:"), r.out());
    }
  }

  private void assertFailsFast(String expected, Map<String, String> env, String... cmd) throws Exception {
    String marker = "name=fednas-failing-" + UUID.randomUUID();
    String[] withMarker = new String[cmd.length + 1];
    System.arraycopy(cmd, 0, withMarker, 0, cmd.length);
    withMarker[cmd.length] = marker;
    Scripts.Result r = Scripts.run(FAST, env, withMarker);
    assertEquals(2, r.exitCode(), r.out() + r.err());
    assertTrue(r.err().contains(expected), "expected '" + expected + "' in:\n" + r.err());
    assertTrue(r.took().toSeconds() < 10, "took " + r.took());
    assertEquals(List.of(), Scripts.processesMentioning(marker), "processes left behind");
  }

  @Test
  void aMissingJarConfigOrMasterFailsWithinSecondsNamingWhichAndStartsNothing() throws Exception {
    Map<String, String> env = Map.of("FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses());
    int closed = StandaloneCluster.freePort();
    String master = "spark://127.0.0.1:" + closed;
    Path jar = Files.writeString(tmp.resolve("app.jar"), "not used: the master check fails first");
    assertFailsFast("application jar not found: " + tmp.resolve("missing.jar"), env,
        "submit-scripts/submit-standalone.sh", "--master", master, "--jar", tmp.resolve("missing.jar").toString(),
        "conf/quickstart.conf");
    assertFailsFast("config file not found: conf/no-such.conf", env,
        "submit-scripts/submit-standalone.sh", "--master", master, "--jar", jar.toString(), "conf/no-such.conf");
    assertFailsFast("Spark master 127.0.0.1:" + closed + " is not reachable", env,
        "submit-scripts/submit-standalone.sh", "--master", master, "--jar", jar.toString(), "conf/quickstart.conf");
    assertFailsFast("Kubernetes API server 127.0.0.1:" + closed + " is not reachable",
        Map.of("FEDNAS_CLASSPATH", "unused", "FEDNAS_IMAGE", "img", "FEDNAS_UPLOAD_PATH", "hdfs:///up"),
        "submit-scripts/submit-k8s.sh", "--master", "k8s://https://127.0.0.1:" + closed, "conf/quickstart.conf");
    assertFailsFast("master 'yarn' needs HADOOP_CONF_DIR or YARN_CONF_DIR", Map.of("FEDNAS_CLASSPATH", "unused"),
        "submit-scripts/submit-yarn.sh", "--jar", jar.toString(), "conf/quickstart.conf");
    assertFailsFast("spark.kubernetes.container.image = ${FEDNAS_IMAGE}: the environment variable it names is not set",
        Map.of("FEDNAS_CLASSPATH", "unused"),
        "submit-scripts/submit-k8s.sh", "--master", "k8s://https://127.0.0.1:" + closed, "conf/quickstart.conf");
  }

  @Test
  void clusterPresetsAreSecuredByDefaultAndASecretNeverGoesOnTheCommandLine() throws Exception {
    Map<String, String> env = Map.of("FEDNAS_IMAGE", "img", "FEDNAS_UPLOAD_PATH", "hdfs:///up", "SPARK_HOME",
        "/opt/spark");
    for (String[] c : List.of(new String[] {"submit-scripts/submit-standalone.sh", "--master", "spark://10.0.0.2:7077"},
        new String[] {"submit-scripts/submit-yarn.sh"},
        new String[] {"submit-scripts/submit-k8s.sh", "--master", "k8s://https://10.0.0.1:6443"})) {
      List<String> args = new java.util.ArrayList<>(List.of(c));
      args.add("conf/quickstart.conf");
      List<String> w = dryRun(env, args.toArray(new String[0]));
      for (String[] kv : new String[][] {{"spark.authenticate", "true"}, {"spark.network.crypto.enabled", "true"},
          {"spark.network.crypto.cipher", "AES/GCM/NoPadding"}, {"spark.io.encryption.enabled", "true"},
          {"spark.acls.enable", "true"}}) {
        assertEquals(kv[1], conf(w, kv[0]), c[0]);
      }
      args.add(1, "--conf");
      args.add(2, "fednas.security=off");
      List<String> off = dryRun(env, args.toArray(new String[0]));
      assertTrue(off.stream().noneMatch(a -> a.startsWith("spark.authenticate") || a.startsWith("spark.network.crypto")
          || a.startsWith("spark.io.encryption")), c[0] + " with security off: " + off);
    }

    Map<String, String> cp = Map.of("FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses());
    // the secret is checked once the master answers: a port that accepts connections stands in for it
    java.net.ServerSocket listening = new java.net.ServerSocket(0);
    String master = "spark://127.0.0.1:" + listening.getLocalPort();
    Path jar = Files.writeString(tmp.resolve("app.jar"), "not used: the secret check fails first");
    assertFailsFast("--conf: spark.authenticate.secret would be on the spark-submit command line", cp,
        "submit-scripts/submit-standalone.sh", "--master", master, "--jar", jar.toString(), "--conf",
        "spark.authenticate.secret=hunter2", "conf/quickstart.conf");
    assertFailsFast("a standalone master needs the cluster's shared secret: name a file only you can read", cp,
        "submit-scripts/submit-standalone.sh", "--master", master, "--jar", jar.toString(), "conf/quickstart.conf");
    Path readable = Files.writeString(tmp.resolve("secret"), "s3cret");
    Files.setPosixFilePermissions(readable, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Map<String, String> withFile = new HashMap<>(cp);
    withFile.put("FEDNAS_SPARK_SECRET_FILE", readable.toString());
    assertFailsFast("secret file " + readable + " can be read by other users (mode 644): chmod 600 " + readable,
        withFile, "submit-scripts/submit-standalone.sh", "--master", master, "--jar", jar.toString(),
        "conf/quickstart.conf");
    listening.close();
  }
}
