package io.fednas.federated;

import io.fednas.config.DataConfig;
import io.fednas.data.Dataset;
import io.fednas.data.DatasetLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded copy of a dataset per JVM. Executors read the dataset files themselves (the driver
 * ships only indices), and in local mode the driver's copy serves the executors too. This is the
 * one mutable static of the engine: a per-executor cache, keyed by the data config.
 */
public final class DatasetCache {
  private static final ConcurrentHashMap<DataConfig, Dataset> CACHE = new ConcurrentHashMap<>();

  private DatasetCache() {}

  public static Dataset get(DataConfig cfg) {
    return CACHE.computeIfAbsent(cfg, DatasetLoader::load);
  }
}
