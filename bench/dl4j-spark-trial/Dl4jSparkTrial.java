import io.fednas.config.DataConfig;
import io.fednas.data.Dataset;
import io.fednas.data.DatasetLoader;
import io.fednas.data.ImageSet;
import io.fednas.dl4j.NetworkBuilder;
import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * dl4j-spark's parameter averaging on our Spark context: LeNet on MNIST, minibatches of 32 on each
 * of the context's workers, parameters averaged every {@code averagingFrequency} minibatches.
 * Prints samples/s and test accuracy after each epoch. Args: epochs, averagingFrequency, workers, a
 * folder for the minibatches.
 */
public class Dl4jSparkTrial {
  public static void main(String[] args) {
    int epochs = Integer.parseInt(args[0]);
    int averaging = Integer.parseInt(args[1]);
    int workers = Integer.parseInt(args[2]);
    SparkSession spark = SparkSession.builder().master("local[" + workers + "]").appName("dl4j-spark trial")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset data = DatasetLoader.load(new DataConfig("mnist", "datasets", 0, 0, "iid", 0.5, 2, 1, 0));
    Architecture arch = Architectures.byName("lenet", 1, 28, 28, 10);
    List<DataSet> batches = minibatches(data.train(), 32);
    // read back from files, so a task carries a file split, not the data (dl4j-spark persists the RDD itself)
    String saved = args[3];
    sc.parallelize(batches, workers).saveAsObjectFile(saved);
    JavaRDD<DataSet> rdd = sc.objectFile(saved, workers);
    MultiLayerNetwork net = NetworkBuilder.build(arch, 42, 0.05, 0.9);
    ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(32)
        .batchSizePerWorker(32).averagingFrequency(averaging).workerPrefetchNumBatches(0)
        .rddTrainingApproach(org.deeplearning4j.spark.api.RDDTrainingApproach.Direct).build();
    SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, tm);
    for (int e = 1; e <= epochs; e++) {
      long t0 = System.nanoTime();
      sparkNet.fit(rdd);
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("dl4j-spark epoch %d: %.1f s, %.0f samples/s, test accuracy %.4f%n", e, s,
          data.train().size() / s, accuracy(sparkNet.getNetwork(), data.test()));
    }
    spark.stop();
  }

  static List<DataSet> minibatches(ImageSet set, int batch) {
    List<DataSet> out = new ArrayList<>();
    for (int start = 0; start < set.size(); start += batch) {
      int n = Math.min(batch, set.size() - start);
      int[] idx = new int[n];
      for (int i = 0; i < n; i++) {
        idx[i] = start + i;
      }
      INDArray x = Nd4j.create(set.pixelsAsFloats(idx), new long[] {n, set.imageSize()});
      INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, set.numClasses());
      int[] labels = set.labelsOf(idx);
      for (int i = 0; i < n; i++) {
        y.putScalar(i, labels[i], 1f);
      }
      out.add(new DataSet(x, y));
    }
    return out;
  }

  static double accuracy(MultiLayerNetwork net, ImageSet test) {
    int correct = 0;
    for (DataSet b : minibatches(test, 500)) {
      INDArray out = net.output(b.getFeatures());
      INDArray predicted = out.argMax(1);
      INDArray actual = b.getLabels().argMax(1);
      for (int i = 0; i < predicted.length(); i++) {
        if (predicted.getInt(i) == actual.getInt(i)) {
          correct++;
        }
      }
    }
    return (double) correct / test.size();
  }
}
