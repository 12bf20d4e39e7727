package io.fednas.app;

import io.fednas.FedNasException;
import io.fednas.config.FedNasConfig;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Starts Spark for a run without overriding what spark-submit already set. */
final class SparkSessions {
  private SparkSessions() {}

  static SparkSession start(FedNasConfig cfg) {
    SparkConf conf = new SparkConf();
    // setMaster() in code would beat spark-submit's --master: default it only when unset
    if (!conf.contains("spark.master")) {
      conf.setMaster(cfg.sparkMaster());
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName("fednas-" + cfg.name());
    }
    String master = conf.get("spark.master");
    if (master.startsWith("local")) {
      // this machine's hostname may resolve to loopback; bind the local driver explicitly
      setIfAbsent(conf, "spark.driver.host", "127.0.0.1");
      setIfAbsent(conf, "spark.driver.bindAddress", "127.0.0.1");
    }
    if (conf.getBoolean("spark.authenticate", false) && master.startsWith("spark://")
        && !conf.contains("spark.authenticate.secret")) {
      // set here, in the driver's memory only: Spark keeps it off executor command lines and redacts it
      conf.set("spark.authenticate.secret", ClusterSecret.read(System.getenv(), master));
    }
    setIfAbsent(conf, "spark.ui.showConsoleProgress", "false");
    for (Map.Entry<String, String> e : cfg.sparkConf().entrySet()) {
      setIfAbsent(conf, e.getKey(), e.getValue());
    }
    // a task's result (a model's weight sums: 8 bytes a parameter) goes back in its status message
    // rather than through the block manager: sooner a round (docs/benchmarks/2026-11-28-sessions-1-9.md,
    // "Round overhead")
    setIfAbsent(conf, "spark.task.maxDirectResultSize", "64m");
    // a standalone master that refuses the application (a wrong or missing secret) leaves Spark to
    // stop its context, in a thread of its own, after its registration retries: building the session
    // can lose that race (then it fails on the stopped context) or win it (then the application has no
    // id from the master). Either way, say why here rather than fail later.
    boolean standalone = master.startsWith("spark://");
    SparkSession spark;
    try {
      spark = SparkSession.builder().config(conf).getOrCreate();
    } catch (IllegalStateException e) {
      if (standalone && String.valueOf(e.getMessage()).contains("stopped SparkContext")) {
        throw notRegistered(master, e);
      }
      throw e;
    }
    if (standalone && !spark.sparkContext().applicationId().startsWith("app-")) {
      spark.stop();
      throw notRegistered(master, null);
    }
    return spark;
  }

  private static FedNasException notRegistered(String master, Throwable cause) {
    return new FedNasException("the Spark master " + master + " did not register this application: every attempt "
        + "failed (Spark's log above says how). With security on, the secret in " + ClusterSecret.FILE_ENV
        + " must be the cluster's own, and the master and workers must run with spark.authenticate; with security "
        + "off, the cluster must not require it (docs/DEPLOY.md, \"Security\")", cause);
  }

  private static void setIfAbsent(SparkConf conf, String key, String value) {
    if (!conf.contains(key)) {
      conf.set(key, value);
    }
  }
}
