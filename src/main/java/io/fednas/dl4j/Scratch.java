package io.fednas.dl4j;

/**
 * Float arrays a kernel works in during one call, shared by every layer of every network on the
 * thread (a thread runs one layer call at a time, and no call keeps them after it returns). Each
 * slot keeps the largest array asked of it up to {@link #KEEP} floats, so a training minibatch reuses
 * them; a larger request (an evaluation batch) gets an array of its own that is then dropped, so the
 * cached networks of a thread do not hold tens of MB of heap each.
 */
final class Scratch {
  static final int KEEP = 1 << 22; // 16 MB a slot
  static final int SLOTS = 6;
  /** The two slots of {@link NdBuffers#inLayout}'s transposes, apart from those its callers may be holding. */
  static final int TRANSPOSE_FROM = 4;
  static final int TRANSPOSE_TO = 5;
  private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

  private Scratch() {}

  /** An array of at least {@code length} floats, its contents undefined; distinct slots never share one. */
  static float[] get(int slot, int length) {
    float[][] arrays = ARRAYS.get();
    if (arrays[slot].length >= length) {
      return arrays[slot];
    }
    if (length > KEEP) {
      return new float[length];
    }
    arrays[slot] = new float[length];
    return arrays[slot];
  }
}
