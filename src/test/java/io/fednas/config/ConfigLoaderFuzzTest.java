package io.fednas.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile configs: the project's own config files mutated at random (flipped and inserted
 * characters, HOCON syntax fragments, deep nesting, huge and non-finite numbers, unresolvable
 * substitutions, truncations, random bytes) and random overrides of every known key, seeded so a
 * failure can be replayed ({@code -Dfuzz.seed=N}). Every case must load or end in a
 * {@link ConfigError} with a message: never another exception, a stack overflow or a hang.
 */
class ConfigLoaderFuzzTest {
  private static final int CASES = 1500;
  private static final String[] FRAGMENTS = {"{", "}", "[", "]", "\"", "=", ":", ",", "\n", "#", "${", "${nope}",
      "${seed}", "+=", "include \"nowhere.conf\"", "1e999", "-1e999", "99999999999999999999", "-2147483649", "NaN",
      "0", "-1", "0.0", "true", "null", "\\u0000", "\"\"\"", "a.b.c.d.e.f", " = [1, 2, 3]", "{a = 1}", "\u00e9\u4e2d"};
  private static final String[] VALUES = {"", " ", "-1", "0", "1", "0.5", "2147483648", "-2147483648",
      "99999999999999999999", "1e309", "NaN", "Infinity", "abc", "true", "null", "[1, 2]", "[\"a\"]", "{a = 1}",
      "[", "{", "${nope}", "\"quoted\"", "local[2]", "/nonexistent/dir", "x".repeat(5000)};

  @TempDir Path dir;

  @Test
  void mutatedConfigFilesAndOverridesLoadOrEndInAConfigError() throws Exception {
    long seed = Long.getLong("fuzz.seed", 20261202L);
    List<String> bases = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("conf"))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".conf")).sorted().toList()) {
        bases.add(Files.readString(f));
      }
    }
    List<String> keys = new ArrayList<>(ConfigFactory.parseResources("reference.conf").entrySet().stream()
        .map(java.util.Map.Entry::getKey).sorted().toList());
    List<String> failures = new ArrayList<>();
    int[] outcomes = new int[2]; // errors, loads
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int c = 0; c < CASES; c++) {
        Random r = new Random(seed * 1_000_003L + c);
        StringBuilder how = new StringBuilder();
        byte[] text = mutate(bases.get(r.nextInt(bases.size())), r, how);
        Path file = Files.write(dir.resolve("case-" + c + ".conf"), text);
        List<String> overrides = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          String key = r.nextInt(8) == 0 ? "no.such.key" + r.nextInt(3) : keys.get(r.nextInt(keys.size()));
          overrides.add(key + "=" + VALUES[r.nextInt(VALUES.length)]);
        }
        how.append(" overrides ").append(overrides.stream().map(o -> o.length() > 60 ? o.substring(0, 60) + "..." : o)
            .toList());
        try {
          ConfigLoader.load(file, overrides);
          outcomes[1]++;
        } catch (ConfigError e) {
          outcomes[0]++;
          if (e.getMessage() == null || e.getMessage().isBlank()) {
            failures.add("case " + c + " (seed " + seed + "):" + how + ": an error without a message");
          }
        } catch (Throwable t) {
          failures.add("case " + c + " (seed " + seed + "):" + how + ": " + t);
        }
      }
    });
    System.out.printf("ConfigLoaderFuzzTest: %d cases, %d config errors, %d loads%n", CASES, outcomes[0], outcomes[1]);
    assertEquals(List.of(), failures);
    assertTrue(outcomes[0] > CASES / 10 && outcomes[1] > CASES / 20, "the mutations reach both outcomes");
  }

  private static byte[] mutate(String base, Random r, StringBuilder how) {
    StringBuilder s = new StringBuilder(base);
    for (int m = r.nextInt(3); m > 0; m--) { // none: the overrides alone
      int at = s.length() == 0 ? 0 : r.nextInt(s.length());
      switch (r.nextInt(6)) {
        case 0 -> { // a character replaced by a syntax character
          if (s.length() > 0) {
            s.setCharAt(at, "{}[]\"=:,$#\n\\ ".charAt(r.nextInt(13)));
          }
          how.append(" char@").append(at);
        }
        case 1 -> {
          String f = FRAGMENTS[r.nextInt(FRAGMENTS.length)];
          s.insert(at, f);
          how.append(" insert@").append(at).append('=').append(f.strip());
        }
        case 2 -> { // deep nesting
          int depth = r.nextBoolean() ? 50 + r.nextInt(200) : 5_000 + r.nextInt(50_000);
          String open = r.nextBoolean() ? "[" : "{a=";
          s.insert(at, "\nnest = " + open.repeat(depth) + "\n");
          how.append(" nest").append(depth).append(open.charAt(0));
        }
        case 3 -> {
          s.setLength(at);
          how.append(" truncate@").append(at);
        }
        case 4 -> { // a value line duplicated with an extreme value
          s.append("\nfederated.rounds = ").append(VALUES[r.nextInt(VALUES.length)]).append('\n');
          how.append(" rounds-dup");
        }
        default -> { // random bytes
          byte[] junk = new byte[1 + r.nextInt(r.nextBoolean() ? 4 : 100)];
          r.nextBytes(junk);
          s.insert(at, new String(junk, StandardCharsets.ISO_8859_1));
          how.append(" junk@").append(at);
        }
      }
    }
    return s.toString().getBytes(r.nextInt(10) == 0 ? StandardCharsets.UTF_16 : StandardCharsets.UTF_8);
  }
}
