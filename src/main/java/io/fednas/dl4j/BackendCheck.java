package io.fednas.dl4j;

import java.util.Properties;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Prints the ND4J backend this classpath loads and the fp32 matrix-multiply rate it reaches, and
 * fails when it is not the backend expected (a GPU image that silently falls back to the CPU).
 *
 * <pre>java -cp CLASSPATH io.fednas.dl4j.BackendCheck [--expect cpu|cuda] [--size N]</pre>
 */
public final class BackendCheck {
  private BackendCheck() {}

  public static void main(String[] args) {
    String expect = null;
    int size = 1024;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--expect" -> expect = args[++i].toLowerCase();
        case "--size" -> size = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("BackendCheck: unknown argument " + args[i] + " (--expect cpu|cuda, --size N)");
          System.exit(2);
        }
      }
    }
    Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
    String backend = String.valueOf(env.getProperty("backend"));
    System.out.println("nd4j backend: " + backend + " (" + Nd4j.getBackend().getClass().getName() + ")");
    env.forEach((k, v) -> System.out.println("  " + k + ": " + v));
    // the CPU build's flags say whether convolutions after the first layer run on oneDNN (pom.xml's nd4j.classifier)
    String build = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
    System.out.println("native build: " + String.join(", ", build.lines().map(String::strip).toList())
        + (build.contains("HAVE_ONEDNN") ? "" : " (no oneDNN: CPU convolutions on the slower im2col path)"));
    System.out.println("host: " + CpuIsa.describe());
    if ("CPU".equalsIgnoreCase(backend)) {
      System.out.println("the CPU kernels' matrix products: " + OneDnnGemm.describe());
    }
    System.out.printf("fp32 matmul %dx%d: %.1f GFLOP/s%n", size, size, matmulGflops(size));
    if (expect != null && !backend.toLowerCase().contains(expect)) {
      System.err.println("BackendCheck: expected the " + expect + " backend but ND4J loaded " + backend
          + "; for CUDA build with -Pgpu and check the CUDA 11.6 runtime on this node");
      System.exit(1);
    }
  }

  /** Best of five timed multiplies after a warm-up; 2 n^3 FLOPs each. */
  static double matmulGflops(int n) {
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    a.mmuli(b, c);
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      a.mmuli(b, c);
      Nd4j.getExecutioner().commit(); // wait for the device before reading the clock
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return 2.0 * n * n * n / best / 1e9;
  }
}
