package io.fednas.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The typed, validated view of one run's configuration. Constructed only by {@link ConfigLoader};
 * every value is checked here, once, so the rest of the code can trust it.
 */
public final class FedNasConfig {
  public static final List<String> DATASETS = List.of("mnist", "fashion-mnist", "cifar10");
  public static final List<String> PARTITIONS = List.of("iid", "dirichlet", "shards");
  public static final List<String> ARCHS = List.of("lenet", "mcmahan-cnn", "vgg-small", "mobilenet-28");

  private final Config raw;
  private final Path source;
  private final String name;
  private final Mode mode;
  private final long seed;
  private final String outputDir;
  private final boolean overwrite;
  private final String sparkMaster;
  private final Map<String, String> sparkConf;
  private final int tasksPerStage;
  private final DataConfig data;
  private final String arch;
  private final double widthMultiplier;
  private final FederatedConfig federated;
  private final EvalConfig eval;
  private final SearchConfig search;
  private final SimulationConfig simulation;
  private final FaultsConfig faults;
  private final PrivacyConfig privacy;
  private final int checkpointEvery;
  /** Spark's own rule for which properties hold secrets (spark.redaction.regex's default). */
  private static final Pattern SECRET_KEY = Pattern.compile("(?i)secret|password|token|access[.]key");

  FedNasConfig(Config given, Path source) {
    Config raw = pooledIfCentralized(given);
    this.raw = raw;
    this.source = source;
    Reader r = new Reader(raw);
    name = r.string("name");
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw r.bad("name", name, "letters, digits, '.', '_' and '-' (it names the run directory)");
    }
    mode = r.choice("mode", Mode.class);
    seed = r.longValue("seed");
    outputDir = r.string("output.dir");
    overwrite = r.bool("output.overwrite");
    sparkMaster = r.string("spark.master");
    tasksPerStage = r.intIn("spark.tasksPerStage", 0, 1_000_000);
    sparkConf = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : raw.getConfig("spark.conf").entrySet()) {
      // keys like "spark.ui.enabled" come back quoted from a nested object path
      String key = e.getKey().replace("\"", "");
      if (SECRET_KEY.matcher(key).find()) {
        throw new ConfigError("spark.conf." + key + ": a secret must not be in the run config, which every run saves "
            + "as config.conf; put it in a file only you can read and name it with FEDNAS_SPARK_SECRET_FILE");
      }
      sparkConf.put(key, String.valueOf(e.getValue().unwrapped()));
    }
    data = new DataConfig(
        r.oneOf("data.name", DATASETS),
        r.string("data.dir"),
        r.intIn("data.maxTrainSamples", 0, Integer.MAX_VALUE),
        r.intIn("data.maxTestSamples", 0, Integer.MAX_VALUE),
        r.oneOf("data.partition", PARTITIONS),
        r.doubleIn("data.dirichletAlpha", 1e-3, 1e6, false),
        r.intIn("data.shardsPerClient", 1, 1000),
        r.intIn("data.minClientSamples", 1, 1_000_000),
        r.doubleIn("data.validationFraction", 0.0, 0.5, true));
    arch = r.oneOf("model.arch", ARCHS);
    widthMultiplier = r.doubleIn("model.widthMultiplier", 0.0, 4.0, false);
    int clients = r.intIn("federated.clients", 1, 10_000_000);
    int perRound = r.intIn("federated.clientsPerRound", 1, 10_000_000);
    if (perRound > clients) {
      throw new ConfigError("federated.clientsPerRound = " + perRound + " exceeds federated.clients = "
          + clients + ": a round cannot sample more clients than exist");
    }
    federated = new FederatedConfig(
        clients,
        perRound,
        r.intIn("federated.rounds", 1, 1_000_000),
        r.intIn("federated.localEpochs", 1, 10_000),
        r.intIn("federated.batchSize", 1, 1_000_000),
        r.doubleIn("federated.learningRate", 0.0, 100.0, false),
        r.doubleIn("federated.momentum", 0.0, 0.999, true),
        r.doubleIn("federated.targetAccuracy", 0.0, 1.0, true));
    eval = new EvalConfig(
        r.intIn("eval.testEvery", 1, 1_000_000),
        r.intIn("eval.validationClients", 0, 10_000_000),
        r.intIn("eval.batchSize", 1, 1_000_000),
        r.intIn("eval.testPartitions", 1, 100_000));
    // the centralized reference runs the baseline's loop, on pooled data (see ConfigLoader)
    boolean baseline = mode == Mode.BASELINE || mode == Mode.CENTRALIZED;
    int minRounds = r.intIn("search.minRounds", 1, 100_000);
    int maxRounds = r.intIn("search.maxRounds", 1, 100_000);
    if (maxRounds < minRounds) {
      throw new ConfigError("search.maxRounds = " + maxRounds + " is below search.minRounds = " + minRounds);
    }
    search = new SearchConfig(
        r.choice("search.metric", Metric.class),
        r.string("search.device"),
        r.string("search.devicesDir"),
        r.doubleIn("search.budgetRatio", 0.0, 1.0, false),
        r.doubleIn("search.budgetAbsolute", 0.0, Double.MAX_VALUE, true),
        r.doubleIn("search.initialReduction", 0.0, 1.0, false),
        r.doubleIn("search.decay", 0.0, 1.0, false),
        r.intIn("search.maxIterations", 1, 10_000),
        r.intIn("search.minWidth", 1, 100_000),
        r.intList("search.layers", 0, 10_000),
        r.choice("search.selection", Selection.class),
        r.choice("search.scoring", Scoring.class),
        r.string("search.baseModel"),
        r.intIn("search.baseRounds", 1, 1_000_000),
        r.intIn("search.longTermRounds", 1, 1_000_000),
        r.choice("search.longTermSchedule", LongTermSchedule.class),
        r.intIn("search.shortTermRounds", 1, 100_000),
        r.doubleIn("search.shortTermLearningRate", 0.0, 100.0, true),
        !baseline && r.bool("search.parallelCandidates"),
        !baseline && r.bool("search.tournament"),
        !baseline && r.bool("search.dynamicRounds"),
        r.intIn("search.rungRounds", 1, 100_000),
        r.doubleIn("search.dropFraction", 0.0, 1.0, false),
        r.doubleIn("search.protectMargin", 0.0, 1.0, true),
        minRounds,
        maxRounds,
        r.doubleIn("search.closeMargin", 0.0, 1.0, true),
        r.doubleIn("search.costlyDrop", 0.0, 1.0, true),
        r.intIn("search.fineTuneEach", 0, 1_000_000),
        predictor(r, mode));
    simulation = simulation(r);
    faults = new FaultsConfig(r.doubleIn("faults.maxUpdateNorm", 0.0, Double.MAX_VALUE, true),
        r.intIn("faults.maxFailedRounds", 1, 1_000_000));
    privacy = privacy(r, mode, simulation.enabled(), search);
    checkpointEvery = r.intIn("checkpoint.everyRounds", 0, 1_000_000);
  }

  /** search.predictor*: refused where it would change nothing or where no search learns from it. */
  private static PredictorConfig predictor(Reader r, Mode mode) {
    PredictorKind kind = r.choice("search.predictor", PredictorKind.class);
    List<String> history = r.stringList("search.predictorHistory");
    if (kind == PredictorKind.NONE && !history.isEmpty()) {
      throw r.bad("search.predictorHistory", history, "empty while search.predictor = none: there is no predictor "
          + "to warm up (set search.predictor = gbt)");
    }
    if (kind != PredictorKind.NONE && mode != Mode.FEDNAS) {
      throw new ConfigError("search.predictor = " + kind.key() + " with mode = " + mode.key() + ": the predictor is "
          + "one of FedNAS's options (the baseline and the centralized reference train every candidate); use mode = "
          + "fednas or search.predictor = none");
    }
    return new PredictorConfig(kind, r.intIn("search.predictorKeep", 1, 100_000),
        r.intIn("search.predictorMinPairs", 2, 10_000_000), history);
  }

  /** {@code simulation.*}: a dropout of -1 (the profiles' own) or a probability. */
  private static SimulationConfig simulation(Reader r) {
    double dropout = r.doubleIn("simulation.dropout", -1.0, 1.0, true);
    if (dropout < 0 && dropout != -1) {
      throw r.bad("simulation.dropout", dropout, "-1 (each device profile's dropoutProbability) or a probability in [0, 1]");
    }
    List<String> devices = r.stringList("simulation.devices");
    boolean enabled = r.bool("simulation.enabled");
    if (enabled && devices.isEmpty()) {
      throw r.bad("simulation.devices", devices, "at least one device profile name when simulation.enabled = true");
    }
    return new SimulationConfig(enabled, devices, dropout,
        r.doubleIn("simulation.speedSpread", 1.0, 1000.0, true),
        r.doubleIn("simulation.deadlineSeconds", 0.0, Double.MAX_VALUE, true),
        r.doubleIn("simulation.deadlineQuantile", 0.0, 1.0, true),
        r.doubleIn("simulation.overSelection", 0.0, 10.0, true));
  }

  /** privacy.*, with the combinations a private run cannot have refused before any training. */
  private static PrivacyConfig privacy(Reader r, Mode mode, boolean simulated, SearchConfig search) {
    double clip = r.doubleIn("privacy.clipNorm", 0.0, Double.MAX_VALUE, true);
    double noise = r.doubleIn("privacy.noiseMultiplier", 0.0, 1e6, true);
    double delta = r.doubleIn("privacy.delta", 0.0, 1.0, false);
    if (delta >= 1) {
      throw r.bad("privacy.delta", delta, "a number in (0, 1)");
    }
    double target = r.doubleIn("privacy.targetEpsilon", 0.0, 1e6, true);
    if (noise > 0 && clip == 0) {
      throw new ConfigError("privacy.noiseMultiplier = " + noise + " needs privacy.clipNorm > 0: the noise's "
          + "standard deviation is noiseMultiplier x clipNorm, the most one client can move the sum");
    }
    if (target > 0 && noise == 0) {
      throw new ConfigError("privacy.targetEpsilon = " + target + " needs privacy.noiseMultiplier > 0: without noise "
          + "there is no epsilon to spend");
    }
    if (noise > 0 && mode == Mode.CENTRALIZED) {
      throw new ConfigError("privacy.noiseMultiplier > 0 with mode = centralized: the centralized reference pools "
          + "every client's data, so there is no client-level guarantee to give; use mode = fedavg, baseline or fednas");
    }
    if (noise > 0 && mode != Mode.FEDAVG && !search.baseModel().isEmpty()) {
      throw new ConfigError("privacy.noiseMultiplier > 0 with search.baseModel = " + search.baseModel() + ": the "
          + "loaded base model's rounds are outside this run's accountant; train the base in the private run "
          + "(search.baseModel = \"\")");
    }
    if (noise > 0 && mode != Mode.FEDAVG && search.fineTuneEach() > 0) {
      throw new ConfigError("privacy.noiseMultiplier > 0 with search.fineTuneEach = " + search.fineTuneEach()
          + ": those rounds run after the run's last round, outside its accountant and target; set it to 0");
    }
    if (noise > 0 && simulated) {
      throw new ConfigError("privacy.noiseMultiplier > 0 with simulation.enabled = true: the accountant assumes "
          + "every client is sampled independently with the same probability, which offline devices, dropouts "
          + "and deadlines break; turn the simulation off for a private run");
    }
    return new PrivacyConfig(clip, noise, delta, target);
  }

  /**
   * Mode centralized pools the training set: IID shards, {@code centralized.workers} of them trained
   * in parallel per round and averaged (data-parallel training), every shard's hold-out validating.
   * Applied before validation, so config.conf shows what actually ran.
   */
  private static Config pooledIfCentralized(Config merged) {
    if (!Mode.CENTRALIZED.key().equals(merged.getValue("mode").unwrapped())) {
      return merged;
    }
    Reader r = new Reader(merged);
    int shards = r.intIn("centralized.shards", 1, 1_000_000);
    int workers = r.intIn("centralized.workers", 1, 1_000_000);
    if (workers > shards) {
      throw new ConfigError("centralized.workers = " + workers + " exceeds centralized.shards = " + shards);
    }
    return ConfigFactory.parseMap(Map.of(
        "data.partition", "iid",
        "federated.clients", shards,
        "federated.clientsPerRound", workers,
        "eval.validationClients", 0,
        "search.baseRounds", r.intIn("centralized.baseRounds", 1, 1_000_000),
        "search.shortTermRounds", r.intIn("centralized.shortTermRounds", 1, 100_000),
        "search.longTermRounds", r.intIn("centralized.longTermRounds", 1, 1_000_000))).withFallback(merged);
  }

  /** One resolved value as text, e.g. {@code value("search.baseRounds")}; for scripts. */
  public String value(String key) {
    if (!raw.hasPath(key)) {
      throw new ConfigError("unknown config key '" + key + "'");
    }
    return String.valueOf(raw.getValue(key).unwrapped());
  }

  public String name() { return name; }
  public Mode mode() { return mode; }
  public long seed() { return seed; }
  public String outputDir() { return outputDir; }
  public boolean overwrite() { return overwrite; }
  public String sparkMaster() { return sparkMaster; }
  public Map<String, String> sparkConf() { return sparkConf; }
  /** Tasks per stage over clients; 0: Spark's default parallelism. */
  public int tasksPerStage() { return tasksPerStage; }
  public DataConfig data() { return data; }
  public String arch() { return arch; }
  /** Scales every layer's width of {@link #arch()} (MobileNet's alpha). */
  public double widthMultiplier() { return widthMultiplier; }
  public FederatedConfig federated() { return federated; }
  public EvalConfig eval() { return eval; }
  /** The search; in modes baseline and centralized its three FedNAS switches are off whatever the file says. */
  public SearchConfig search() { return search; }
  /** Simulated devices: dropouts, deadlines, over-selection (off by default). */
  public SimulationConfig simulation() { return simulation; }
  public FaultsConfig faults() { return faults; }

  public PrivacyConfig privacy() { return privacy; }
  /** Rounds between checkpoints; 0 = no checkpoints. */
  public int checkpointEvery() { return checkpointEvery; }
  /** The config file this came from, or null for defaults only. */
  public Path source() { return source; }

  /** The whole resolved configuration as HOCON, for the run directory (provenance). */
  public String render() {
    return raw.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
  }

  /** Typed getters whose errors name the key, the value given and what is allowed. */
  private static final class Reader {
    private final Config c;

    Reader(Config c) {
      this.c = c;
    }

    ConfigError bad(String key, Object value, String allowed) {
      return new ConfigError("config key " + key + " = " + value + " is invalid: allowed is " + allowed);
    }

    /** The value as the config holds it, for an error message; never throws. */
    private Object shown(String key) {
      try {
        return c.getIsNull(key) ? "null" : c.getValue(key).unwrapped();
      } catch (ConfigException e) {
        return "(" + e.getMessage() + ")";
      }
    }

    /** {@code getter}'s value, or an error naming the key, the value and what is allowed. */
    private <T> T get(String key, String allowed, java.util.function.Function<String, T> getter) {
      try {
        return getter.apply(key);
      } catch (ConfigException e) { // wrong type, null, or a parent that is not an object
        throw bad(key, shown(key), allowed);
      }
    }

    String string(String key) {
      return get(key, "a string", c::getString);
    }

    <E extends Enum<E> & Choice> E choice(String key, Class<E> type) {
      String v = string(key);
      E e = Choice.parse(type, v);
      if (e == null) {
        List<String> allowed = new java.util.ArrayList<>();
        for (E c : type.getEnumConstants()) {
          allowed.add(c.key());
        }
        throw bad(key, "'" + v + "'", "one of " + String.join(", ", allowed));
      }
      return e;
    }

    String oneOf(String key, List<String> allowed) {
      String v = string(key);
      if (!allowed.contains(v)) {
        throw bad(key, "'" + v + "'", "one of " + String.join(", ", allowed));
      }
      return v;
    }

    boolean bool(String key) {
      return get(key, "true or false", c::getBoolean);
    }

    long longValue(String key) {
      return get(key, "an integer", c::getLong);
    }

    int intIn(String key, int min, int max) {
      int v = get(key, "an integer in [" + min + ", " + max + "]", c::getInt);
      if (v < min || v > max) {
        throw bad(key, v, "an integer in [" + min + ", " + max + "]");
      }
      return v;
    }

    List<Integer> intList(String key, int min, int max) {
      List<Integer> v = get(key, "a list of integers", c::getIntList);
      for (int x : v) {
        if (x < min || x > max) {
          throw bad(key, v, "integers in [" + min + ", " + max + "]");
        }
      }
      return List.copyOf(v);
    }

    List<String> stringList(String key) {
      return List.copyOf(get(key, "a list of strings", c::getStringList));
    }

    double doubleIn(String key, double min, double max, boolean minInclusive) {
      String range = (minInclusive ? "[" : "(") + min + ", " + max + "]";
      double v = get(key, "a number in " + range, c::getDouble);
      if (Double.isNaN(v) || v > max || v < min || (!minInclusive && v == min)) {
        throw bad(key, v, "a number in " + range);
      }
      return v;
    }
  }
}
