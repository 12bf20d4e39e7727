package io.fednas.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.config.FedNasConfig;
import io.fednas.model.NetworkBackend;
import io.fednas.report.Checksums;
import io.fednas.report.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;

/** What made a run: its config file, where Spark ran it, and the versions of everything that computed it. */
record Provenance(String configFile, String sparkMaster, int sparkDefaultParallelism, String sparkVersion,
    String dl4jVersion, String fednasVersion, String javaVersion, Map<String, Boolean> sparkSecurity) {

  /** Summary name -> the Spark property that turns it on (docs/DEPLOY.md, "Security"). */
  private static final Map<String, String> SECURITY = new LinkedHashMap<>();

  static {
    SECURITY.put("authentication", "spark.authenticate");
    SECURITY.put("rpc_encryption", "spark.network.crypto.enabled");
    SECURITY.put("io_encryption", "spark.io.encryption.enabled");
    SECURITY.put("ui_acls", "spark.acls.enable");
  }

  static Provenance of(java.nio.file.Path configFile, JavaSparkContext sc) {
    Map<String, Boolean> security = new LinkedHashMap<>();
    SECURITY.forEach((name, key) -> security.put(name, sc.getConf().getBoolean(key, false)));
    return new Provenance(configFile == null ? null : configFile.toString(), sc.master(), sc.defaultParallelism(),
        sc.version(), Versions.DL4J, Versions.FEDNAS, System.getProperty("java.version"), security);
  }

  void addTo(ObjectNode summary) {
    ObjectNode env = summary.putObject("provenance");
    env.put("config_file", configFile);
    env.put("spark_master", sparkMaster);
    env.put("spark_default_parallelism", sparkDefaultParallelism);
    env.put("spark_version", sparkVersion);
    env.put("dl4j_version", dl4jVersion);
    env.put("fednas_version", fednasVersion);
    env.put("java_version", javaVersion);
    ObjectNode security = env.putObject("spark_security");
    sparkSecurity.forEach(security::put);
  }

  /**
   * What identifies the run that made a model (in the model registry; its hashes, commit and
   * backend in summary.json's provenance too): the run, a hash of its resolved config, the dataset
   * files' SHA-256, the code's commit, versions and backend.
   */
  ObjectNode identity(FedNasConfig cfg, NetworkBackend backend) {
    ObjectNode run = Json.MAPPER.createObjectNode();
    run.put("name", cfg.name());
    run.put("mode", cfg.mode().key());
    run.put("seed", cfg.seed());
    run.put("config_sha256", HexFormat.of().formatHex(Checksums.digest().digest(
        cfg.render().getBytes(StandardCharsets.UTF_8))));
    ObjectNode data = run.putObject("dataset_sha256");
    Path dataDir = Path.of(cfg.data().dir(), cfg.data().name());
    try (Stream<Path> files = Files.list(dataDir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        data.put(f.getFileName().toString(), Checksums.sha256(f));
      }
    } catch (IOException e) {
      data.put("error", "cannot list " + dataDir + ": " + e.getMessage());
    }
    run.put("git_commit", gitCommit());
    run.put("fednas_version", fednasVersion);
    run.put("spark_version", sparkVersion);
    run.put("dl4j_version", dl4jVersion);
    run.put("java_version", javaVersion);
    run.put("backend", backend.describe());
    return run;
  }

  /**
   * The commit of the checkout the job runs in ("-dirty" when tracked files differ from it), or
   * "unknown" outside one (a dist jar on a cluster).
   */
  static String gitCommit() {
    String commit = git("rev-parse", "HEAD");
    if (commit == null || !commit.matches("[0-9a-f]{40}")) {
      return "unknown";
    }
    String changes = git("status", "--porcelain", "--untracked-files=no");
    return changes == null || changes.isEmpty() ? commit : commit + "-dirty";
  }

  private static String git(String... args) {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (IOException | InterruptedException e) {
      return null;
    }
  }
}
