/**
 * Small, dependency-free charts for the run reports: one description ({@link Chart}), drawn as
 * inline SVG for report.html and as PNG (Java2D, headless) for papers, from the same geometry.
 */
package io.fednas.charts;
