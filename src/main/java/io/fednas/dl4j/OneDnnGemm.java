package io.fednas.dl4j;

import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU kernels' float matrix products, {@code C = alpha op(A) op(B) + beta C} as {@code Nd4j.gemm}
 * computes it, through oneDNN's {@code dnnl_sgemm} called directly (JavaCPP's oneDNN preset, pom.xml).
 *
 * <p>Why: ND4J runs every product as libnd4j's {@code matmul} op, whose machinery around the
 * arithmetic (the op's context and shape checks, oneDNN's primitive descriptor, allocations) costs
 * as much as the product itself at the sizes of a client's minibatch; {@code dnnl_sgemm} goes
 * straight to oneDNN's kernels for the host's widest ISA (docs/benchmarks/2026-12-03-session-26.md
 * measures both). The results equal ND4J's up to float rounding and, like them, depend on the shapes
 * and the native thread count only (one per task: OMP_NUM_THREADS, set by the submit scripts).
 *
 * <p>Operands it cannot take (not float, not rank 2, strides that are neither row- nor column-major)
 * go to {@code Nd4j.gemm}, and so does everything where the preset's native library does not load (a
 * platform it is not built for): the same results up to rounding, slower.
 */
final class OneDnnGemm {
  private static final Logger LOG = LoggerFactory.getLogger(OneDnnGemm.class);
  private static final boolean LOADED = load();

  private OneDnnGemm() {}

  private static boolean load() {
    try {
      Loader.load(dnnl.class);
      return true;
    } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError: no native build for this platform
      LOG.warn("oneDNN's sgemm did not load ({}); matrix products run on ND4J's matmul op", e.toString());
      return false;
    }
  }

  /** Whether products run on oneDNN's sgemm here. */
  static boolean available() {
    return LOADED;
  }

  /** For provenance: what runs the products, with the ISA oneDNN's kernels use on this host. */
  static String describe() {
    if (!LOADED) {
      return "ND4J's matmul op (oneDNN's sgemm not loaded)";
    }
    return "oneDNN's sgemm, " + isaName(dnnl.dnnl_get_effective_cpu_isa()) + " kernels";
  }

  private static String isaName(int isa) {
    return switch (isa) {
      case dnnl.dnnl_cpu_isa_sse41 -> "sse41";
      case dnnl.dnnl_cpu_isa_avx -> "avx";
      case dnnl.dnnl_cpu_isa_avx2 -> "avx2";
      case dnnl.dnnl_cpu_isa_avx2_vnni -> "avx2_vnni";
      case dnnl.dnnl_cpu_isa_avx512_core -> "avx512_core";
      case dnnl.dnnl_cpu_isa_avx512_core_vnni -> "avx512_core_vnni";
      case dnnl.dnnl_cpu_isa_avx512_core_bf16 -> "avx512_core_bf16";
      case dnnl.dnnl_cpu_isa_avx512_core_amx -> "avx512_core_amx";
      default -> "isa " + isa;
    };
  }

  /** {@code c = alpha op(a) op(b) + beta c}, op transposing where asked; returns {@code c}. */
  static INDArray gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha,
      double beta) {
    if (LOADED && c.rank() == 2 && c.dataType() == DataType.FLOAT && leadingDimension(c, 0) < 0
        && leadingDimension(c, 1) >= 0) {
      // column-major C is row-major C^T = op(b)^T op(a)^T
      gemm(b, a, c.transpose(), !transposeB, !transposeA, alpha, beta);
      return c;
    }
    Operand x = LOADED ? Operand.of(a, transposeA) : null;
    Operand y = LOADED ? Operand.of(b, transposeB) : null;
    long ldc = x != null && y != null ? rowMajorLeading(c) : -1;
    if (ldc < 0 || x.rows != c.size(0) || y.columns != c.size(1) || x.columns != y.rows || x.columns == 0
        || c.length() == 0) {
      return Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
    }
    int status = dnnl.dnnl_sgemm(x.op, y.op, x.rows, y.columns, x.columns, (float) alpha, x.pointer, x.leading,
        y.pointer, y.leading, (float) beta, firstElement(c), ldc);
    if (status != dnnl.dnnl_success) {
      throw new IllegalStateException("oneDNN's sgemm failed with status " + status + " on " + x.rows + "x"
          + x.columns + " times " + y.rows + "x" + y.columns);
    }
    return c;
  }

  /**
   * An operand as sgemm reads it: row-major memory at {@code pointer} with leading dimension {@code
   * leading}, transposed ('T') or not ('N'), giving op(matrix), {@code rows} x {@code columns}.
   */
  private record Operand(FloatPointer pointer, long leading, byte op, long rows, long columns) {
    /** Null when sgemm cannot read {@code m} in place. */
    static Operand of(INDArray m, boolean transpose) {
      if (m.dataType() != DataType.FLOAT || m.rank() != 2) {
        return null;
      }
      long rows = transpose ? m.size(1) : m.size(0);
      long columns = transpose ? m.size(0) : m.size(1);
      long leading = leadingDimension(m, 0);
      if (leading >= 0) {
        return new Operand(firstElement(m), leading, (byte) (transpose ? 'T' : 'N'), rows, columns);
      }
      // column-major memory of m is row-major memory of its transpose
      leading = leadingDimension(m, 1);
      return leading < 0 ? null : new Operand(firstElement(m), leading, (byte) (transpose ? 'N' : 'T'), rows, columns);
    }
  }

  /** The distance between rows of a float matrix whose rows are contiguous, else -1. */
  private static long rowMajorLeading(INDArray m) {
    return m.dataType() == DataType.FLOAT && m.rank() == 2 ? leadingDimension(m, 0) : -1;
  }

  /**
   * The distance between consecutive lines along dimension {@code outer} (0: rows, 1: columns) of a
   * rank-2 matrix whose lines along the other dimension are contiguous, else -1.
   */
  private static long leadingDimension(INDArray m, int outer) {
    if (m.offset() < m.data().offset()) {
      return -1;
    }
    long lines = m.size(outer);
    long length = m.size(1 - outer);
    if (length > 1 && m.stride(1 - outer) != 1) {
      return -1;
    }
    long leading = lines > 1 ? m.stride(outer) : Math.max(length, 1);
    return leading >= Math.max(length, 1) ? leading : -1;
  }

  /** The matrix's first element: its buffer's address (which includes the buffer's own offset) plus the view's. */
  static FloatPointer firstElement(INDArray m) {
    return new FloatPointer(m.data().addressPointer()).position(m.offset() - m.data().offset());
  }
}
