package io.fednas.cost;

/**
 * Exact client cost, per client and in total: training FLOPs (3 x forward FLOPs per sample x
 * samples x local epochs), bytes downloaded (the model) and uploaded (the update), and the
 * number of client-trainings. Float32 weights, no compression. Lives on the driver.
 */
public final class CostLedger {
  private final long[] trainings;
  private final long[] trainFlops;
  private final long[] bytesDown;
  private final long[] bytesUp;

  public CostLedger(int clients) {
    trainings = new long[clients];
    trainFlops = new long[clients];
    bytesDown = new long[clients];
    bytesUp = new long[clients];
  }

  /** Training backward costs about twice the forward pass, hence 3 x forward. */
  public static long trainFlops(long forwardFlopsPerSample, long samples, int epochs) {
    return Math.multiplyExact(Math.multiplyExact(3L * forwardFlopsPerSample, samples), epochs);
  }

  /** One client-training of a model with {@code params} float32 parameters. */
  public void recordTraining(int client, long forwardFlopsPerSample, long samples, int epochs, long params) {
    trainings[client]++;
    trainFlops[client] = Math.addExact(trainFlops[client], trainFlops(forwardFlopsPerSample, samples, epochs));
    bytesDown[client] += 4 * params;
    bytesUp[client] += 4 * params;
  }

  public Totals totals() {
    long t = 0;
    long f = 0;
    long d = 0;
    long u = 0;
    for (int c = 0; c < trainings.length; c++) {
      t += trainings[c];
      f = Math.addExact(f, trainFlops[c]);
      d += bytesDown[c];
      u += bytesUp[c];
    }
    return new Totals(f, d, u, t);
  }

  public long trainings(int client) {
    return trainings[client];
  }

  public long trainFlops(int client) {
    return trainFlops[client];
  }

  public long bytesDown(int client) {
    return bytesDown[client];
  }

  public long bytesUp(int client) {
    return bytesUp[client];
  }

  public int clients() {
    return trainings.length;
  }

  /** Totals over all clients. */
  public record Totals(long trainFlops, long bytesDown, long bytesUp, long clientTrainings) {}
}
