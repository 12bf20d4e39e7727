package io.fednas.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
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
}
