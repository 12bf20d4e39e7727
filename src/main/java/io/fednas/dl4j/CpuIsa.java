package io.fednas.dl4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the CPU kernels may use on this host, for provenance and BackendCheck: the widest x86 SIMD
 * extension the processor reports, and what pins the native libraries below it (OpenBLAS's core
 * type, oneDNN's ISA cap), which on the same hardware change the speed and, for OpenBLAS, the bits.
 */
public final class CpuIsa {
  private static final List<String> WIDEST_FIRST = List.of("avx512f", "avx2", "avx", "sse4_2");

  private CpuIsa() {}

  /** The processor's SIMD flags of interest, from /proc/cpuinfo (empty where there is none). */
  static Set<String> flags() {
    Set<String> out = new TreeSet<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
            if (WIDEST_FIRST.contains(f) || f.equals("fma") || f.startsWith("avx512")) {
              out.add(f);
            }
          }
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: the description says so
    }
    return out;
  }

  /**
   * E.g. "CPU avx512f (avx avx2 avx512bw ... fma), OpenBLAS core pinned to Haswell by
   * OPENBLAS_CORETYPE, oneDNN ISA the CPU's best".
   */
  public static String describe() {
    Set<String> flags = flags();
    String widest = WIDEST_FIRST.stream().filter(flags::contains).findFirst().orElse("unknown");
    String openblas = System.getenv("OPENBLAS_CORETYPE");
    String dnnl = System.getenv("DNNL_MAX_CPU_ISA");
    return "CPU " + widest + (flags.isEmpty() ? " (no /proc/cpuinfo)" : " (" + String.join(" ", flags) + ")")
        + ", OpenBLAS core " + (openblas == null || openblas.isBlank() ? "detected for this CPU"
            : "pinned to " + openblas + " by OPENBLAS_CORETYPE")
        + ", oneDNN ISA " + (dnnl == null || dnnl.isBlank() ? "the CPU's best" : "capped at " + dnnl
            + " by DNNL_MAX_CPU_ISA");
  }
}
