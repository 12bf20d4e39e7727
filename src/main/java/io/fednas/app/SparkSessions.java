package io.fednas.app;

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
    setIfAbsent(conf, "spark.ui.showConsoleProgress", "false");
    for (Map.Entry<String, String> e : cfg.sparkConf().entrySet()) {
      setIfAbsent(conf, e.getKey(), e.getValue());
    }
    // a task's result (a model's weight sums: 8 bytes a parameter) goes back in its status message
    // rather than through the block manager: sooner a round (docs/benchmarks/2026-11-28-sessions-1-9.md,
    // "Round overhead")
    setIfAbsent(conf, "spark.task.maxDirectResultSize", "64m");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  private static void setIfAbsent(SparkConf conf, String key, String value) {
    if (!conf.contains(key)) {
      conf.set(key, value);
    }
  }
}
