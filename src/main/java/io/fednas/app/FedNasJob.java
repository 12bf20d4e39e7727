package io.fednas.app;

import io.fednas.FedNasException;
import io.fednas.config.ConfigLoader;
import io.fednas.config.FedNasConfig;
import io.fednas.dl4j.Dl4jBackend;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The job's entry point, for run-local.sh and spark-submit alike:
 * {@code FedNasJob CONF [key=value ...]}. Exit status 0 on success, 2 for a problem the user can
 * fix (the message says which), 1 for anything else.
 */
public final class FedNasJob {
  static final String USAGE = "usage: FedNasJob CONFIG_FILE [key=value ...]   (keys: see docs/CONFIG.md)\n"
      + "       FedNasJob CONFIG_FILE --resume RUN_DIR [key=value ...]   (continue a stopped run from its checkpoint)\n"
      + "       FedNasJob --get KEY CONFIG_FILE [key=value ...]   (print one resolved value, for scripts)";

  private FedNasJob() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    // In a YARN container (cluster mode: this is the application master's user class) an exit, even
    // with 0, pre-empts the master's own report and YARN records the run as FAILED: return instead
    if (code != 0 || System.getenv("CONTAINER_ID") == null) {
      System.exit(code);
    }
  }

  /** Runs the job; returns the exit status instead of exiting, for tests. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      (args.length == 0 ? err : out).println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    if (args[0].equals("--get")) {
      return printValue(args, out, err);
    }
    try {
      Path conf = Path.of(args[0]);
      List<String> overrides = new ArrayList<>(List.of(args).subList(1, args.length));
      Path resume = null;
      int r = overrides.indexOf("--resume");
      if (r >= 0) {
        if (r + 1 >= overrides.size() || overrides.get(r + 1).contains("=")) {
          err.println("error: --resume needs the run directory to continue\n" + USAGE);
          return 2;
        }
        resume = Path.of(overrides.get(r + 1));
        overrides.remove(r + 1);
        overrides.remove(r);
        if (!java.nio.file.Files.isDirectory(resume)) {
          err.println("error: --resume " + resume + ": no such run directory");
          return 2;
        }
      }
      FedNasConfig cfg = ConfigLoader.load(conf, overrides);
      new JobRun(cfg, out, new Dl4jBackend()).run(resume != null ? resume : outputDir(cfg), resume != null);
      return 0;
    } catch (Exception | Error e) { // Spark throws its checked SparkException undeclared
      FedNasException userError = userError(e);
      if (userError != null) {
        err.println("error: " + userError.getMessage());
        return 2;
      }
      err.println("error: the job failed unexpectedly: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  private static int printValue(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 3) {
      err.println(USAGE);
      return 2;
    }
    try {
      FedNasConfig cfg = ConfigLoader.load(Path.of(args[2]), List.of(args).subList(3, args.length));
      out.println(cfg.value(args[1]));
      return 0;
    } catch (FedNasException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
  }

  /** A FedNasException anywhere in the cause chain (Spark wraps those thrown inside tasks). */
  static FedNasException userError(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof FedNasException f) {
        return f;
      }
    }
    return null;
  }

  static Path outputDir(FedNasConfig cfg) {
    if (!cfg.outputDir().isEmpty()) {
      return Path.of(cfg.outputDir());
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    return Path.of("runs", cfg.name() + "-" + stamp);
  }
}
