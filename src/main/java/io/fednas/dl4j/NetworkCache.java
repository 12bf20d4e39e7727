package io.fednas.dl4j;

import io.fednas.model.Architecture;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Networks reused across tasks and rounds, one set per executor thread (a DL4J network is not
 * thread-safe). Building a network costs far more than setting its weights, so a task only loads
 * the broadcast weights into a cached one.
 */
final class NetworkCache {
  private static final int MAX_PER_THREAD = 16; // a search trains several candidates per stage
  private static final ThreadLocal<Map<String, Dl4jNetwork>> CACHE = ThreadLocal.withInitial(
      () -> new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Dl4jNetwork> eldest) {
          return size() > MAX_PER_THREAD;
        }
      });

  private NetworkCache() {}

  /** A network of {@code arch} on this thread, training at {@code learningRate} from now on. */
  static Dl4jNetwork get(Architecture arch, double learningRate, double momentum) {
    // the rate is set in place, not keyed: a schedule that changes it every round would rebuild every round
    String key = arch.toJson() + "|" + momentum;
    // the seed does not matter: the caller overwrites every weight
    Dl4jNetwork net = CACHE.get().computeIfAbsent(key,
        k -> new Dl4jNetwork(NetworkBuilder.build(arch, 0, learningRate, momentum)));
    net.setLearningRate(learningRate);
    return net;
  }
}
