package io.fednas.charts;

/** The drawing primitives a chart needs; SVG and PNG implement them. Coordinates in pixels. */
interface Canvas {
  enum Anchor { START, MIDDLE, END }

  void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed);

  void polyline(double[] xs, double[] ys, int n, String color, double width);

  void circle(double x, double y, double r, String color, String tooltip);

  /** A filled rectangle: a bar with its tooltip, or a legend key when {@code tooltip} is null. */
  void rect(double x, double y, double w, double h, String color, String tooltip);

  void text(double x, double y, String s, int size, Anchor anchor, boolean vertical, String color);
}
