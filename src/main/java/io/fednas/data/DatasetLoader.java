package io.fednas.data;

import io.fednas.config.DataConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds a named dataset under {@code data.dir} and loads it, or says how to obtain it. */
public final class DatasetLoader {
  private DatasetLoader() {}

  public static Dataset load(DataConfig cfg) {
    Path dir = Path.of(cfg.dir(), cfg.name());
    Dataset full = switch (cfg.name()) {
      case "mnist", "fashion-mnist" -> new Dataset(cfg.name(),
          IdxReader.read(idx(dir, cfg.name(), "train-images-idx3-ubyte"), idx(dir, cfg.name(), "train-labels-idx1-ubyte"), 10),
          IdxReader.read(idx(dir, cfg.name(), "t10k-images-idx3-ubyte"), idx(dir, cfg.name(), "t10k-labels-idx1-ubyte"), 10));
      case "cifar10" -> new Dataset(cfg.name(), Cifar10Reader.read(cifar(dir, Cifar10Reader.TRAIN_FILES)),
          Cifar10Reader.read(cifar(dir, List.of(Cifar10Reader.TEST_FILE))));
      default -> throw new IllegalArgumentException("unknown dataset " + cfg.name());
    };
    return new Dataset(full.name(), full.train().limit(cfg.maxTrainSamples()), full.test().limit(cfg.maxTestSamples()));
  }

  /** The file itself, or its .gz, whichever exists. */
  private static Path idx(Path dir, String dataset, String base) {
    for (Path p : List.of(dir.resolve(base), dir.resolve(base + ".gz"))) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new DataFormatError("dataset '" + dataset + "' not found: expected " + dir.resolve(base)
        + " (or .gz); run: datasets/fetch " + dataset + "  (or set data.dir)");
  }

  private static List<Path> cifar(Path dir, List<String> names) {
    List<Path> out = new ArrayList<>();
    for (String n : names) {
      Path p = dir.resolve(n);
      if (!Files.isRegularFile(p)) {
        throw new DataFormatError("dataset 'cifar10' not found: expected " + p + " (the CIFAR-10 binary version, "
            + "cifar-10-batches-bin, unpacked into " + dir + "); it cannot be fetched here, bring the files");
      }
      out.add(p);
    }
    return out;
  }
}
