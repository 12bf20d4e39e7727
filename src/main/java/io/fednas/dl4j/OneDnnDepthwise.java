package io.fednas.dl4j;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A depthwise k x k convolution (one filter per channel, no bias) through oneDNN's convolution
 * primitives with one group per channel, called directly (JavaCPP's oneDNN preset, which {@link
 * OneDnnGemm} loads), on channel-last ND4J memory: forward, input gradient and weight gradient, as
 * {@link DepthwiseKernel} computes them, whose geometry it takes.
 *
 * <p>Why: oneDNN's depthwise kernels keep each output's taps in vector registers and run at the
 * host's widest ISA; {@link DepthwiseKernel}'s JIT-vectorized loops load and store the row's sum once
 * per tap (docs/benchmarks/2026-12-04-session-28.md measures both on a MobileNet's layers). libnd4j's
 * {@code depthwise_conv2d} op reaches the same kernels but reorders channel-last activations into a
 * blocked layout and back around every call; here oneDNN reads and writes them where they are, and
 * only the weights (k x k floats a channel) are reordered.
 *
 * <p>Results equal {@link DepthwiseKernel}'s up to float rounding and depend on the geometry, the ISA
 * and the native thread count (one per task) only. The weights go in and their gradient comes out in
 * DL4J's layout, [kH, kW, C, 1] (oneDNN's {@code hwigo}).
 *
 * <p>Each geometry's primitives (and the memory they work in: the weights in each primitive's
 * layout, scratchpads) are built on first use and kept for the last {@link #KEEP} geometries (a
 * client's full and last minibatches, an evaluation batch); the native objects are freed when one is
 * dropped or when this instance is collected. Not thread-safe: one instance per layer, as {@link
 * DepthwiseKernel}.
 */
final class OneDnnDepthwise {
  private static final int KEEP = 4;
  private static final Cleaner CLEANER = Cleaner.create();

  private final Natives natives = new Natives();
  private final Map<DepthwiseKernel.Geometry, Primitives> built = new LinkedHashMap<>();

  OneDnnDepthwise() {
    CLEANER.register(this, natives::destroyAll);
  }

  /** Whether oneDNN's library loaded here; without it the depthwise layers run {@link DepthwiseKernel}. */
  static boolean available() {
    return OneDnnGemm.available();
  }

  /**
   * Whether oneDNN takes {@code g} as it is: the geometry's right and bottom padding (what the
   * output size implies beyond the top-left padding) is not negative.
   */
  static boolean supports(DepthwiseKernel.Geometry g) {
    return available() && padRight(g.h(), g.outH(), g.stride(), g.k(), g.padTop()) >= 0
        && padRight(g.w(), g.outW(), g.stride(), g.k(), g.padLeft()) >= 0;
  }

  private static long padRight(int in, int out, int stride, int k, int padBefore) {
    return (long) (out - 1) * stride + k - in - padBefore;
  }

  /**
   * {@code z} (overwritten) = the convolution of {@code x} with {@code weights}; {@code x} and {@code
   * z} are row-major [N, H, W, C] memory.
   */
  void forward(DepthwiseKernel.Geometry g, INDArray x, float[] weights, INDArray z) {
    Primitives p = primitives(g);
    p.userWeights.put(weights, 0, weights.length);
    p.forwardWeights.run(p.stream);
    p.source.handle(x);
    p.destination.handle(z);
    p.forward.run(p.stream);
  }

  /**
   * From dL/dz {@code delta}: {@code dx} (overwritten) = dL/dx and {@code dw} (overwritten) =
   * dL/dweights; {@code x}, {@code delta} and {@code dx} are row-major [N, H, W, C] memory.
   */
  void backward(DepthwiseKernel.Geometry g, INDArray x, float[] weights, INDArray delta, INDArray dx, float[] dw) {
    Primitives p = primitives(g);
    p.userWeights.put(weights, 0, weights.length);
    p.backwardDataWeights.run(p.stream);
    p.source.handle(x);
    p.diffDestination.handle(delta);
    p.diffSource.handle(dx);
    p.backwardData.run(p.stream);
    p.backwardWeights.run(p.stream);
    p.weightGradient.run(p.stream);
    p.userWeightGradient.get(dw, 0, dw.length);
  }

  private Primitives primitives(DepthwiseKernel.Geometry g) {
    Primitives p = built.remove(g);
    if (p == null) {
      if (built.size() >= KEEP) {
        Iterator<Primitives> oldest = built.values().iterator();
        natives.destroy(oldest.next().owned);
        oldest.remove();
      }
      p = new Primitives(g, natives);
    }
    built.put(g, p); // most recent last
    return p;
  }

  private static void check(int status, String what, DepthwiseKernel.Geometry g) {
    if (status != dnnl.dnnl_success) {
      throw new IllegalStateException("oneDNN's depthwise convolution: " + what + " failed with status " + status
          + " on " + g);
    }
  }

  /**
   * How to free the native objects of one instance, a list of actions per geometry, apart from the
   * instance so that its cleaner can run them.
   */
  private static final class Natives {
    private final List<List<Runnable>> sets = new ArrayList<>();

    synchronized List<Runnable> newSet() {
      List<Runnable> set = new ArrayList<>();
      sets.add(set);
      return set;
    }

    synchronized void destroy(List<Runnable> set) {
      for (int i = set.size() - 1; i >= 0; i--) { // in reverse: a primitive before the descriptor it came from
        set.get(i).run();
      }
      set.clear();
      sets.removeIf(kept -> kept == set);
    }

    synchronized void destroyAll() {
      while (!sets.isEmpty()) {
        destroy(sets.get(sets.size() - 1));
      }
    }
  }

  /** A memory object whose data lives elsewhere: ND4J's memory, pointed to anew on each call. */
  private record Handle(dnnl_memory memory) {
    void handle(INDArray a) {
      dnnl.dnnl_memory_set_data_handle(memory, OneDnnGemm.firstElement(a));
    }
  }

  /** A primitive with its arguments bound. */
  private record Step(dnnl_primitive primitive, dnnl_exec_arg_t args, int count) {
    void run(dnnl_stream stream) {
      int status = dnnl.dnnl_primitive_execute(primitive, stream, count, args);
      if (status != dnnl.dnnl_success) {
        throw new IllegalStateException("oneDNN's depthwise convolution: a primitive failed with status " + status);
      }
    }
  }

  /** One geometry's primitives and the memory they work in. */
  private static final class Primitives {
    final List<Runnable> owned;
    final DepthwiseKernel.Geometry g;
    final dnnl_engine engine = new dnnl_engine();
    final dnnl_stream stream = new dnnl_stream();
    final dnnl_primitive_attr attr = new dnnl_primitive_attr();
    final FloatPointer userWeights;
    final FloatPointer userWeightGradient;
    final Handle source;
    final Handle destination;
    final Handle diffSource;
    final Handle diffDestination;
    final Step forwardWeights;
    final Step forward;
    final Step backwardDataWeights;
    final Step backwardData;
    final Step backwardWeights;
    final Step weightGradient;

    Primitives(DepthwiseKernel.Geometry g, Natives natives) {
      this.g = g;
      owned = natives.newSet();
      check(dnnl.dnnl_engine_create(engine, dnnl.dnnl_cpu, 0), "creating the CPU engine", g);
      owned.add(() -> dnnl.dnnl_engine_destroy(engine));
      check(dnnl.dnnl_stream_create(stream, engine, dnnl.dnnl_stream_default_flags), "creating a stream", g);
      owned.add(() -> dnnl.dnnl_stream_destroy(stream));
      // the scratchpads are this object's, so that tasks on two threads never share one
      check(dnnl.dnnl_primitive_attr_create(attr), "creating attributes", g);
      owned.add(() -> dnnl.dnnl_primitive_attr_destroy(attr));
      check(dnnl.dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl.dnnl_scratchpad_mode_user), "scratchpad mode", g);

      long[] inDims = {g.n(), g.c(), g.h(), g.w()};
      long[] outDims = {g.n(), g.c(), g.outH(), g.outW()};
      long[] weightDims = {g.c(), 1, 1, g.k(), g.k()};
      dnnl_memory_desc_t src = desc(inDims, dnnl.dnnl_nhwc);
      dnnl_memory_desc_t dst = desc(outDims, dnnl.dnnl_nhwc);
      dnnl_memory_desc_t weightsAny = desc(weightDims, dnnl.dnnl_format_tag_any);
      dnnl_memory_desc_t weightsUser = desc(weightDims, dnnl.dnnl_hwigo);
      long[] strides = {g.stride(), g.stride()};
      long[] padBefore = {g.padTop(), g.padLeft()};
      long[] padAfter = {padRight(g.h(), g.outH(), g.stride(), g.k(), g.padTop()),
          padRight(g.w(), g.outW(), g.stride(), g.k(), g.padLeft())};

      dnnl_convolution_desc_t forwardDesc = new dnnl_convolution_desc_t();
      check(dnnl.dnnl_convolution_forward_desc_init(forwardDesc, dnnl.dnnl_forward_training,
          dnnl.dnnl_convolution_direct, src, weightsAny, null, dst, strides, padBefore, padAfter), "forward", g);
      dnnl_primitive_desc forwardPd = descriptor(forwardDesc, null);
      dnnl_convolution_desc_t dataDesc = new dnnl_convolution_desc_t();
      check(dnnl.dnnl_convolution_backward_data_desc_init(dataDesc, dnnl.dnnl_convolution_direct, src, weightsAny,
          dst, strides, padBefore, padAfter), "backward data", g);
      dnnl_primitive_desc dataPd = descriptor(dataDesc, forwardPd);
      dnnl_convolution_desc_t weightsDesc = new dnnl_convolution_desc_t();
      check(dnnl.dnnl_convolution_backward_weights_desc_init(weightsDesc, dnnl.dnnl_convolution_direct, src,
          weightsAny, null, dst, strides, padBefore, padAfter), "backward weights", g);
      dnnl_primitive_desc weightsPd = descriptor(weightsDesc, forwardPd);

      userWeights = floats(g.k() * g.k() * g.c());
      userWeightGradient = floats(g.k() * g.k() * g.c());
      dnnl_memory userWeightsMemory = memory(weightsUser, userWeights);
      dnnl_memory userGradientMemory = memory(weightsUser, userWeightGradient);
      dnnl_memory forwardWeightsMemory = allocated(query(forwardPd, dnnl.dnnl_query_weights_md));
      dnnl_memory dataWeightsMemory = allocated(query(dataPd, dnnl.dnnl_query_weights_md));
      dnnl_memory gradientMemory = allocated(query(weightsPd, dnnl.dnnl_query_diff_weights_md));
      source = new Handle(memory(src, null));
      destination = new Handle(memory(dst, null));
      diffSource = new Handle(memory(src, null));
      diffDestination = new Handle(memory(dst, null));

      forwardWeights = reorder(weightsUser, userWeightsMemory, query(forwardPd, dnnl.dnnl_query_weights_md),
          forwardWeightsMemory);
      backwardDataWeights = reorder(weightsUser, userWeightsMemory, query(dataPd, dnnl.dnnl_query_weights_md),
          dataWeightsMemory);
      weightGradient = reorder(query(weightsPd, dnnl.dnnl_query_diff_weights_md), gradientMemory, weightsUser,
          userGradientMemory);
      forward = step(forwardPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
          new dnnl_memory[] {source.memory(), forwardWeightsMemory, destination.memory()});
      backwardData = step(dataPd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
          new dnnl_memory[] {diffDestination.memory(), dataWeightsMemory, diffSource.memory()});
      backwardWeights = step(weightsPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
          new dnnl_memory[] {source.memory(), diffDestination.memory(), gradientMemory});
    }

    private dnnl_memory_desc_t desc(long[] dims, int tag) {
      dnnl_memory_desc_t d = new dnnl_memory_desc_t();
      owned.add(d::close);
      check(dnnl.dnnl_memory_desc_init_by_tag(d, dims.length, dims, dnnl.dnnl_f32, tag), "a memory descriptor", g);
      return d;
    }

    private dnnl_primitive_desc descriptor(dnnl_convolution_desc_t op, dnnl_primitive_desc hint) {
      owned.add(op::close);
      dnnl_primitive_desc pd = new dnnl_primitive_desc();
      check(dnnl.dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(op), attr, engine, hint),
          "a primitive descriptor", g);
      owned.add(() -> dnnl.dnnl_primitive_desc_destroy(pd));
      return pd;
    }

    /** A descriptor the primitive descriptor owns (valid while it lives). */
    private static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what) {
      return dnnl.dnnl_primitive_desc_query_md(pd, what, 0);
    }

    private FloatPointer floats(long n) {
      FloatPointer f = new FloatPointer(n);
      owned.add(f::close);
      return f;
    }

    private dnnl_memory memory(dnnl_memory_desc_t d, Pointer data) {
      dnnl_memory m = new dnnl_memory();
      check(dnnl.dnnl_memory_create(m, d, engine, data), "a memory object", g);
      owned.add(() -> dnnl.dnnl_memory_destroy(m));
      return m;
    }

    private dnnl_memory allocated(dnnl_memory_desc_t d) {
      BytePointer data = new BytePointer(Math.max(1, dnnl.dnnl_memory_desc_get_size(d)));
      owned.add(data::close);
      return memory(d, data);
    }

    private Step reorder(dnnl_memory_desc_t from, dnnl_memory fromMemory, dnnl_memory_desc_t to, dnnl_memory toMemory) {
      dnnl_primitive_desc pd = new dnnl_primitive_desc();
      check(dnnl.dnnl_reorder_primitive_desc_create(pd, from, engine, to, engine, attr), "a weights reorder", g);
      owned.add(() -> dnnl.dnnl_primitive_desc_destroy(pd));
      return step(pd, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory[] {fromMemory, toMemory});
    }

    /** The primitive of {@code pd}, its arguments bound, with a scratchpad of its own where it needs one. */
    private Step step(dnnl_primitive_desc pd, int[] kinds, dnnl_memory[] memories) {
      dnnl_primitive primitive = new dnnl_primitive();
      check(dnnl.dnnl_primitive_create(primitive, pd), "a primitive", g);
      owned.add(() -> dnnl.dnnl_primitive_destroy(primitive));
      dnnl_memory_desc_t scratchpad = query(pd, dnnl.dnnl_query_scratchpad_md);
      boolean needsScratchpad = scratchpad != null && dnnl.dnnl_memory_desc_get_size(scratchpad) > 0;
      int count = kinds.length + (needsScratchpad ? 1 : 0);
      dnnl_exec_arg_t args = new dnnl_exec_arg_t(count);
      owned.add(args::close);
      for (int i = 0; i < kinds.length; i++) {
        args.position(i).arg(kinds[i]).memory(memories[i]);
      }
      if (needsScratchpad) {
        args.position(kinds.length).arg(DNNL_ARG_SCRATCHPAD).memory(allocated(scratchpad));
      }
      args.position(0);
      return new Step(primitive, args, count);
    }
  }
}
