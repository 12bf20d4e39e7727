package io.fednas.federated;

import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.util.AccumulatorV2;

/**
 * What each executor trained with, as its training tasks report it: "executor ID on HOST: ND4J
 * backend, convolution path". A set, so every task may add its line and the driver keeps one per
 * executor (and a retried task adds nothing new).
 */
public final class ExecutorBackends extends AccumulatorV2<String, Set<String>> {
  private final TreeSet<String> lines = new TreeSet<>();

  @Override
  public boolean isZero() {
    synchronized (lines) {
      return lines.isEmpty();
    }
  }

  @Override
  public ExecutorBackends copy() {
    ExecutorBackends c = new ExecutorBackends();
    synchronized (lines) {
      c.lines.addAll(lines);
    }
    return c;
  }

  @Override
  public void reset() {
    synchronized (lines) {
      lines.clear();
    }
  }

  @Override
  public void add(String line) {
    synchronized (lines) {
      lines.add(line);
    }
  }

  @Override
  public void merge(AccumulatorV2<String, Set<String>> other) {
    Set<String> theirs = other.value();
    synchronized (lines) {
      lines.addAll(theirs);
    }
  }

  @Override
  public Set<String> value() {
    synchronized (lines) {
      return new TreeSet<>(lines);
    }
  }
}
