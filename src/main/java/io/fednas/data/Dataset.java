package io.fednas.data;

/** A named dataset: the training set that clients split among themselves, and the test set. */
public record Dataset(String name, ImageSet train, ImageSet test) {
  public int numClasses() {
    return train.numClasses();
  }
}
