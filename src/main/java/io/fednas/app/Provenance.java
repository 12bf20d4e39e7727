package io.fednas.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.api.java.JavaSparkContext;

/** What made a run: its config file, where Spark ran it, and the versions of everything that computed it. */
record Provenance(String configFile, String sparkMaster, int sparkDefaultParallelism, String sparkVersion,
    String dl4jVersion, String fednasVersion, String javaVersion) {

  static Provenance of(java.nio.file.Path configFile, JavaSparkContext sc) {
    return new Provenance(configFile == null ? null : configFile.toString(), sc.master(), sc.defaultParallelism(),
        sc.version(), Versions.DL4J, Versions.FEDNAS, System.getProperty("java.version"));
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
  }
}
