package io.fednas.model;

import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.ConvBn;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.DepthwiseBn;
import io.fednas.model.LayerSpec.GlobalAvgPool;
import io.fednas.model.LayerSpec.MaxPool;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact parameter and forward-FLOP counts per layer, for one sample. A multiply-add is 2 FLOPs:
 * conv 2*k*k*Cin*Cout*Hout*Wout, depthwise conv 2*k*k*C*Hout*Wout, dense 2*in*out (biases, batch
 * norm and ReLU not counted), max-pool k*k*C*Hout*Wout comparisons, global average pooling C*H*W
 * additions. Parameters include biases and batch norm's four per channel (scale, shift, running
 * mean and variance; the last two are statistics, not trained, but the model ships them).
 */
public final class ResourceCounter {
  private ResourceCounter() {}

  public static List<LayerCost> perLayer(Architecture a) {
    return shapes(a.channels(), a.height(), a.width(), a.layers(), a.name(), a.numClasses());
  }

  public static long params(Architecture a) {
    return perLayer(a).stream().mapToLong(LayerCost::params).sum();
  }

  public static long forwardFlops(Architecture a) {
    return perLayer(a).stream().mapToLong(LayerCost::forwardFlops).sum();
  }

  /** Checks that every layer fits its input; returns the hidden layers' costs. */
  static List<LayerCost> shapes(int c, int h, int w, List<LayerSpec> layers, String name) {
    return shapes(c, h, w, layers, name, 0);
  }

  private static List<LayerCost> shapes(int c, int h, int w, List<LayerSpec> layers, String name, int numClasses) {
    List<LayerCost> out = new ArrayList<>();
    int flat = -1; // features once flattened by a dense layer
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec l = layers.get(i);
      String id = i + ":" + kind(l);
      if (l instanceof Conv conv) {
        if (flat >= 0) {
          throw new IllegalArgumentException(name + ": layer " + id + " is a convolution after a dense layer");
        }
        int ho = conv.same() ? ceilDiv(h, conv.stride()) : (h - conv.kernel()) / conv.stride() + 1;
        int wo = conv.same() ? ceilDiv(w, conv.stride()) : (w - conv.kernel()) / conv.stride() + 1;
        if (!conv.same() && (h < conv.kernel() || w < conv.kernel())) {
          throw new IllegalArgumentException(name + ": layer " + id + " kernel " + conv.kernel()
              + " is larger than its " + h + "x" + w + " input");
        }
        long k2 = (long) conv.kernel() * conv.kernel();
        long params = k2 * c * conv.filters() + conv.filters();
        long flops = 2L * k2 * c * conv.filters() * ho * wo;
        c = conv.filters();
        h = ho;
        w = wo;
        out.add(new LayerCost(id, c, h, w, params, flops));
      } else if (l instanceof MaxPool pool) {
        if (flat >= 0) {
          throw new IllegalArgumentException(name + ": layer " + id + " is a pooling after a dense layer");
        }
        if (h < pool.kernel() || w < pool.kernel()) {
          throw new IllegalArgumentException(name + ": layer " + id + " kernel " + pool.kernel()
              + " is larger than its " + h + "x" + w + " input");
        }
        int ho = (h - pool.kernel()) / pool.stride() + 1;
        int wo = (w - pool.kernel()) / pool.stride() + 1;
        long flops = (long) pool.kernel() * pool.kernel() * c * ho * wo;
        h = ho;
        w = wo;
        out.add(new LayerCost(id, c, h, w, 0, flops));
      } else if (l instanceof ConvBn conv) {
        requireSpatial(flat, name, id);
        requireShrinkable(h, w, conv.stride(), name, id);
        int ho = ceilDiv(h, conv.stride());
        int wo = ceilDiv(w, conv.stride());
        long k2 = (long) conv.kernel() * conv.kernel();
        out.add(new LayerCost(id, conv.filters(), ho, wo, k2 * c * conv.filters() + 4L * conv.filters(),
            2L * k2 * c * conv.filters() * ho * wo));
        c = conv.filters();
        h = ho;
        w = wo;
      } else if (l instanceof DepthwiseBn dw) {
        requireSpatial(flat, name, id);
        requireShrinkable(h, w, dw.stride(), name, id);
        int ho = ceilDiv(h, dw.stride());
        int wo = ceilDiv(w, dw.stride());
        long k2 = (long) dw.kernel() * dw.kernel();
        out.add(new LayerCost(id, c, ho, wo, k2 * c + 4L * c, 2L * k2 * c * ho * wo));
        h = ho;
        w = wo;
      } else if (l instanceof GlobalAvgPool) {
        requireSpatial(flat, name, id);
        out.add(new LayerCost(id, c, 1, 1, 0, (long) c * h * w));
        h = 1;
        w = 1;
      } else if (l instanceof Dense dense) {
        int in = flat >= 0 ? flat : c * h * w;
        out.add(new LayerCost(id, dense.units(), 1, 1, (long) in * dense.units() + dense.units(),
            2L * in * dense.units()));
        flat = dense.units();
      }
    }
    if (numClasses > 0) {
      int in = flat >= 0 ? flat : c * h * w;
      out.add(new LayerCost(layers.size() + ":output", numClasses, 1, 1,
          (long) in * numClasses + numClasses, 2L * in * numClasses));
    }
    return out;
  }

  private static void requireSpatial(int flat, String name, String id) {
    if (flat >= 0) {
      throw new IllegalArgumentException(name + ": layer " + id + " needs a spatial input, but it comes after a dense layer");
    }
  }

  /** A stride that no longer shrinks anything: the network is deeper than its input allows. */
  private static void requireShrinkable(int h, int w, int stride, String name, String id) {
    if (stride > 1 && h == 1 && w == 1) {
      throw new IllegalArgumentException(name + ": layer " + id + " has stride " + stride + " but its input is already "
          + "1x1: the network is too deep for its input size");
    }
  }

  private static String kind(LayerSpec l) {
    if (l instanceof Conv c) {
      return "conv" + c.kernel() + "x" + c.kernel() + "x" + c.filters();
    }
    if (l instanceof MaxPool p) {
      return "maxpool" + p.kernel();
    }
    if (l instanceof ConvBn c) {
      return "convbn" + c.kernel() + "x" + c.kernel() + "x" + c.filters() + (c.stride() > 1 ? "/" + c.stride() : "");
    }
    if (l instanceof DepthwiseBn d) {
      return "depthwise" + d.kernel() + "x" + d.kernel() + (d.stride() > 1 ? "/" + d.stride() : "");
    }
    if (l instanceof GlobalAvgPool) {
      return "gap";
    }
    return "dense" + ((Dense) l).units();
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
