import io.fednas.dl4j.NetworkBuilder;
import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import java.util.Arrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One client's minibatch step alone: fit() on a network built as the job builds it (its CPU kernels,
 * Nesterov momentum 0.9, or the momentum given as a fifth argument: 0 for plain SGD), MNIST-shaped
 * random inputs, one thread. Prints one line: the median and quartiles of the wall time per minibatch
 * after a warm-up. Used by bench/minibatch.sh.
 */
public final class MinibatchTime {
  public static void main(String[] args) {
    String model = args[0];
    double width = Double.parseDouble(args[1]);
    int batch = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    double momentum = args.length > 4 ? Double.parseDouble(args[4]) : 0.9;
    Architecture a = model.equals("mobilenet-28")
        ? Architectures.byName(model, width, 1, 28, 28, 10) : Architectures.byName(model, 1, 28, 28, 10);
    MultiLayerNetwork net = NetworkBuilder.build(a, 1, 0.01, momentum);
    Nd4j.getRandom().setSeed(7);
    DataSet[] data = new DataSet[8];
    for (int i = 0; i < data.length; i++) {
      INDArray x = Nd4j.rand(DataType.FLOAT, batch, 784);
      INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
      for (int j = 0; j < batch; j++) {
        y.putScalar(j, (j * 7 + i) % 10, 1f);
      }
      data[i] = new DataSet(x, y);
    }
    for (int i = 0; i < Math.max(50, steps / 4); i++) {
      net.fit(data[i % data.length]); // the JIT compiles the kernels' loops
    }
    long[] t = new long[steps];
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      net.fit(data[i % data.length]);
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    System.out.printf("%s batch %d: median %.2f ms per minibatch (quartiles %.2f-%.2f) over %d steps%n", model, batch,
        t[steps / 2] / 1e6, t[steps / 4] / 1e6, t[3 * steps / 4] / 1e6, steps);
  }
}
