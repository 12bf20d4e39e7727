package io.fednas.search;

import io.fednas.model.Architecture;
import java.io.Serializable;

/** A narrowed model: which layer was cut to which width, its architecture, weights and resource. */
public record Candidate(int id, int layer, int width, Architecture arch, float[] weights, double resource)
    implements Serializable {}
