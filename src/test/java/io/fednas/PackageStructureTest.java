package io.fednas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build's structure rules, read from the sources: Deeplearning4j and ND4J are used only inside
 * {@code io.fednas.dl4j}, and the packages depend on each other without a cycle.
 */
class PackageStructureTest {
  private static final Pattern LIBRARY = Pattern.compile("\\borg\\.(deeplearning4j|nd4j)\\.");
  private static final Pattern PROJECT_PACKAGE = Pattern.compile("\\bio\\.fednas\\.([a-z0-9]+)\\.");
  private static final Pattern PACKAGE_LINE = Pattern.compile("^package io\\.fednas(?:\\.([a-z0-9]+))?;", Pattern.MULTILINE);

  /** The code of a Java file without its comments and string literals (they may name anything). */
  static String code(String source) {
    return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ")
        .replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"");
  }

  private static Map<Path, String> sources(String root) throws IOException {
    Map<Path, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(Path.of(root))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        out.put(p, Files.readString(p));
      }
    }
    return out;
  }

  private static String packageOf(String source) {
    Matcher m = PACKAGE_LINE.matcher(source);
    return m.find() ? (m.group(1) == null ? "" : m.group(1)) : "?";
  }

  @Test
  void onlyTheDl4jPackageTouchesTheLibrary() throws IOException {
    List<String> offenders = new ArrayList<>();
    for (String root : List.of("src/main/java", "src/test/java")) {
      sources(root).forEach((file, source) -> {
        if (!packageOf(source).equals("dl4j") && LIBRARY.matcher(code(source)).find()) {
          offenders.add(file.toString());
        }
      });
    }
    assertEquals(List.of(), offenders, "Deeplearning4j or ND4J used outside io.fednas.dl4j: go through "
        + "io.fednas.model.NetworkBackend instead");
  }

  @Test
  void packagesDependOnEachOtherWithoutACycle() throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    sources("src/main/java").forEach((file, source) -> {
      String from = packageOf(source);
      Set<String> to = uses.computeIfAbsent(from, k -> new TreeSet<>());
      Matcher m = PROJECT_PACKAGE.matcher(code(source));
      while (m.find()) {
        if (!m.group(1).equals(from)) {
          to.add(m.group(1));
        }
      }
    });
    assertTrue(uses.containsKey("dl4j") && uses.containsKey("app"), "the scan found the packages: " + uses.keySet());
    List<String> cycle = findCycle(uses);
    assertEquals(List.of(), cycle, "a package cycle: " + String.join(" -> ", cycle) + " (all edges: " + uses + ")");
  }

  @Test
  void theCycleFinderFindsACycle() {
    Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
    List<String> cycle = findCycle(g);
    assertEquals(4, cycle.size(), "a -> b -> c -> a: " + cycle);
    assertEquals(cycle.get(0), cycle.get(3));
    assertEquals(List.of(), findCycle(Map.of("a", Set.of("b"), "b", Set.of(), "c", Set.of("a", "b"))));
  }

  /** A cycle as its packages in order, the first repeated at the end; empty when there is none. */
  static List<String> findCycle(Map<String, Set<String>> g) {
    Map<String, Integer> state = new TreeMap<>(); // 1: on the current path, 2: done
    for (String start : new TreeSet<>(g.keySet())) {
      List<String> path = new ArrayList<>();
      List<String> cycle = visit(start, g, state, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    return List.of();
  }

  private static List<String> visit(String node, Map<String, Set<String>> g, Map<String, Integer> state,
      List<String> path) {
    Integer s = state.get(node);
    if (s != null && s == 2) {
      return List.of();
    }
    if (s != null && s == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
      cycle.add(node);
      return cycle;
    }
    state.put(node, 1);
    path.add(node);
    for (String next : new TreeSet<>(g.getOrDefault(node, Set.of()))) {
      List<String> cycle = visit(next, g, state, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    state.put(node, 2);
    return List.of();
  }
}
