package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A training minibatch reuses the thread's arrays; a request above the limit never replaces them. */
class ScratchTest {

  @Test
  void slotsAreReusedUpToTheLimitAndNeverShared() throws Exception {
    Thread t = new Thread(() -> {
      float[] a = Scratch.get(0, 1000);
      assertSame(a, Scratch.get(0, 10), "a smaller request reuses the slot");
      assertNotSame(a, Scratch.get(1, 10), "another slot, another array");
      float[] big = Scratch.get(0, Scratch.KEEP + 1);
      assertTrue(big.length > Scratch.KEEP);
      assertNotSame(big, Scratch.get(0, Scratch.KEEP + 1), "above the limit: a new array each time");
      assertSame(a, Scratch.get(0, 1000), "the slot kept its array");
    });
    Throwable[] failure = new Throwable[1];
    t.setUncaughtExceptionHandler((th, e) -> failure[0] = e);
    t.start();
    t.join();
    if (failure[0] != null) {
      throw new AssertionError(failure[0]);
    }
  }
}
