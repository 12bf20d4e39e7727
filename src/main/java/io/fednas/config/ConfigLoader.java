package io.fednas.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads a run config file over {@code reference.conf}, applies overrides, rejects unknown keys. */
public final class ConfigLoader {
  /** Objects whose children are free-form (passed through to Spark), not checked against reference. */
  private static final Set<String> OPEN_OBJECTS = Set.of("spark.conf");

  private ConfigLoader() {}

  /** Loads {@code file} (may be null: defaults only) and applies {@code key=value} overrides. */
  public static FedNasConfig load(Path file, List<String> overrides) {
    try {
      return parseAndCheck(file, overrides);
    } catch (StackOverflowError e) { // the HOCON parser recurses once per level of nesting
      throw new ConfigError((file == null ? "the overrides" : "config file " + file + " (or its overrides)")
          + ": objects or lists nested too deeply to read");
    }
  }

  private static FedNasConfig parseAndCheck(Path file, List<String> overrides) {
    Config reference = ConfigFactory.parseResources(
        ConfigLoader.class.getClassLoader(), "reference.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
    Config user = ConfigFactory.empty();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigError("config file not found: " + file);
      }
      try {
        user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new ConfigError("cannot parse config file " + file + ": " + e.getMessage());
      }
    }
    for (String override : overrides) {
      user = applyOverride(user, reference, override);
    }
    rejectUnknownKeys(user, reference);
    Config merged;
    try {
      merged = user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new ConfigError("cannot resolve config: " + e.getMessage());
    }
    try {
      return new FedNasConfig(merged, file);
    } catch (ConfigException e) { // a value of the wrong kind where the reader expects an object or a value
      throw new ConfigError("invalid config: " + e.getMessage());
    }
  }

  private static Config applyOverride(Config user, Config reference, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError("override '" + override + "' is not of the form key=value");
    }
    String key = override.substring(0, eq).trim();
    String value = override.substring(eq + 1).trim();
    ConfigValue parsed;
    boolean structured = reference.hasPathOrNull(key)
        && reference.getValue(key).valueType() != ConfigValueType.STRING
        && (value.startsWith("[") || value.startsWith("{"));
    if (structured) {
      try {
        parsed = ConfigFactory.parseString("v = " + value).getValue("v");
      } catch (ConfigException e) {
        throw new ConfigError("override " + key + ": cannot parse '" + value + "': " + e.getMessage());
      }
    } else {
      // Kept as a string: typed getters convert "5" or "true"; paths like local[2] stay intact.
      parsed = ConfigValueFactory.fromAnyRef(value, "command line");
    }
    try {
      return user.withValue(key, parsed);
    } catch (ConfigException e) {
      throw new ConfigError("override '" + override + "': bad key: " + e.getMessage());
    }
  }

  private static void rejectUnknownKeys(Config user, Config reference) {
    Set<String> known = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      known.add(e.getKey());
    }
    for (String open : OPEN_OBJECTS) {
      known.add(open);
    }
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (known.contains(key) || isUnderOpenObject(key) || isObjectInReference(reference, key)) {
        continue;
      }
      String where = e.getValue().origin().description();
      throw new ConfigError("unknown config key '" + key + "' (" + where + ")"
          + NearestKey.suggestion(key, known));
    }
  }

  private static boolean isUnderOpenObject(String key) {
    for (String open : OPEN_OBJECTS) {
      if (key.startsWith(open + ".")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isObjectInReference(Config reference, String key) {
    return reference.hasPathOrNull(key) && reference.getValue(key).valueType() == ConfigValueType.OBJECT;
  }
}
