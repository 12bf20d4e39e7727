package io.fednas.federated;

import io.fednas.model.Architecture;
import java.io.Serializable;

/** A model as the engine ships it: its architecture and its weights (DL4J's flat order). */
public record ModelState(Architecture arch, float[] weights) implements Serializable {
  /** Serialised with its weights as bytes (see {@link PrimitiveBytes}): broadcasts and checkpoints. */
  private Object writeReplace() {
    return new Packed(arch, PrimitiveBytes.of(weights));
  }

  private record Packed(Architecture arch, byte[] weights) implements Serializable {
    private Object readResolve() {
      return new ModelState(arch, PrimitiveBytes.floats(weights));
    }
  }
}
