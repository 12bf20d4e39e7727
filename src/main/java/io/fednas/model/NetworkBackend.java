package io.fednas.model;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * What the engine needs of a neural-network library: networks built from an {@link Architecture},
 * their weights as flat vectors in the {@link ParameterLayout}, and a model file format. The only
 * implementation is {@code io.fednas.dl4j.Dl4jBackend}; nothing outside that package touches the
 * library. Shipped to executors inside Spark closures, so it holds no state of its own.
 */
public interface NetworkBackend extends Serializable {
  /** Seeded initial weights of a new network. */
  float[] initialWeights(Architecture arch, long seed);

  /**
   * This thread's network for {@code arch} with the given optimizer (plain SGD when momentum is 0,
   * else Nesterov momentum), built once and reused: networks are costly to build and not
   * thread-safe, so each executor thread keeps its own.
   */
  TrainableNetwork network(Architecture arch, double learningRate, double momentum);

  /** Writes a model file that the library's own tools can open. */
  void save(Architecture arch, float[] weights, Path file) throws IOException;

  /** The weights of a model file written by {@link #save}. */
  float[] load(Path file) throws IOException;

  /** What computes here, for provenance: the library's backend and its convolution path. */
  String describe();
}
