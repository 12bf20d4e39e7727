package io.fednas.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/** A chart as a PNG file (twice the SVG's pixel size, for print), drawn headless with Java2D. */
public final class PngChart implements Canvas {
  private static final int SCALE = 2;
  private final Graphics2D g;

  private PngChart(Graphics2D g) {
    this.g = g;
  }

  /** Writes the PNG under a temporary name and renames it, like every file of a run. */
  public static void write(Chart c, Path target) throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(Chart.WIDTH * SCALE, Chart.HEIGHT * SCALE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.scale(SCALE, SCALE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, Chart.WIDTH, Chart.HEIGHT);
      ChartPainter.paint(c, new PngChart(g));
    } finally {
      g.dispose();
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    ImageIO.write(img, "png", tmp.toFile());
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed) {
    g.setColor(Color.decode(color));
    g.setStroke(dashed ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
        new float[] {4, 3}, 0) : new BasicStroke((float) width));
    g.draw(new Line2D.Double(x1, y1, x2, y2));
  }

  @Override
  public void polyline(double[] xs, double[] ys, int n, String color, double width) {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(xs[0], ys[0]);
    for (int i = 1; i < n; i++) {
      path.lineTo(xs[i], ys[i]);
    }
    g.setColor(Color.decode(color));
    g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(path);
  }

  @Override
  public void circle(double x, double y, double r, String color, String tooltip) {
    g.setColor(Color.decode(color));
    g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
  }

  @Override
  public void rect(double x, double y, double w, double h, String color, String tooltip) {
    g.setColor(Color.decode(color));
    g.fill(new Rectangle2D.Double(x, y, w, h));
  }

  @Override
  public void text(double x, double y, String s, int size, Anchor anchor, boolean vertical, String color) {
    g.setColor(Color.decode(color));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
    double w = g.getFontMetrics().stringWidth(s);
    double dx = anchor == Anchor.START ? 0 : anchor == Anchor.MIDDLE ? -w / 2 : -w;
    if (vertical) {
      Graphics2D r = (Graphics2D) g.create();
      r.rotate(-Math.PI / 2, x, y);
      r.drawString(s, (float) (x + dx), (float) y);
      r.dispose();
    } else {
      g.drawString(s, (float) (x + dx), (float) y);
    }
  }
}
