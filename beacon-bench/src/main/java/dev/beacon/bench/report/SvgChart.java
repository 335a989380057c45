package dev.beacon.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run as a picture, hand-written SVG with no dependency: latency percentiles (p50, p99, max;
 * log scale) above deliveries per second, against seconds since each server's run started. Each
 * server has its own colour; phases are marked on the time axis.
 */
public final class SvgChart {

  private static final int WIDTH = 960;
  private static final int PANEL = 260;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int GAP = 60;
  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

  private SvgChart() {}

  public static String render(RunResult result) {
    List<TargetRun> runs = new ArrayList<>();
    for (TargetRun r : result.runs()) {
      if (r.repeat() == 1 && !r.samples().isEmpty()) {
        runs.add(r);
      }
    }
    double maxT = 1;
    double maxLat = 1;
    double minLat = 0.1;
    double maxRate = 1;
    for (TargetRun r : runs) {
      for (Sample s : r.samples()) {
        maxT = Math.max(maxT, s.seconds());
        maxLat = Math.max(maxLat, s.max());
        maxRate = Math.max(maxRate, s.deliveries());
      }
    }
    double logMin = Math.log10(minLat);
    double logMax = Math.ceil(Math.log10(maxLat));
    int height = TOP + PANEL + GAP + PANEL + 70;
    int plotW = WIDTH - LEFT - RIGHT;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n",
        WIDTH, height));
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>%n",
        LEFT, escape("beacon-bench " + result.scenario() + " — " + result.startedAt() + " — "
            + result.machine().cpuModel() + ", " + result.machine().cores() + " cores")));
    int latTop = TOP;
    int rateTop = TOP + PANEL + GAP;
    // axes and grid
    frame(sb, latTop, plotW, "latency ms (log): p50 thin, p99 thick, max dotted");
    for (int e = (int) logMin; e <= logMax; e++) {
      double y = latTop + PANEL - (e - logMin) / (logMax - logMin) * PANEL;
      gridLine(sb, y, plotW, formatNumber(Math.pow(10, e)));
    }
    frame(sb, rateTop, plotW, "deliveries per second");
    for (int i = 0; i <= 4; i++) {
      double y = rateTop + PANEL - i / 4.0 * PANEL;
      gridLine(sb, y, plotW, formatNumber(maxRate * i / 4));
    }
    for (int i = 0; i <= 10; i++) {
      double x = LEFT + i / 10.0 * plotW;
      sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s s</text>%n",
          x, rateTop + PANEL + 15, formatNumber(maxT * i / 10)));
    }
    int legendY = rateTop + PANEL + 35;
    for (int k = 0; k < runs.size(); k++) {
      TargetRun run = runs.get(k);
      String colour = COLOURS[k % COLOURS.length];
      final double tMax = maxT;
      final double rMax = maxRate;
      sb.append(path(run.samples(), s -> s.p50(), colour, 1, "", tMax, latTop, logMin, logMax, true, 0));
      sb.append(path(run.samples(), s -> s.p99(), colour, 2.5, "", tMax, latTop, logMin, logMax, true, 0));
      sb.append(path(run.samples(), s -> s.max(), colour, 1, "2,3", tMax, latTop, logMin, logMax, true, 0));
      sb.append(path(run.samples(), s -> (double) s.deliveries(), colour, 2, "", tMax, rateTop, 0, 0, false, rMax));
      sb.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
          LEFT + k * 160, legendY - 4, colour, LEFT + k * 160 + 16, legendY, escape(run.target())));
      // phase changes, labelled once per server
      String last = "";
      for (Sample s : run.samples()) {
        if (!s.phase().equals(last)) {
          last = s.phase();
          double x = LEFT + s.seconds() / maxT * plotW;
          sb.append(String.format(Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-opacity=\"0.3\"/>%n",
              x, latTop, x, rateTop + PANEL, colour));
          sb.append(String.format(Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" fill=\"%s\" font-size=\"9\" transform=\"rotate(-90 %.1f %d)\">%s</text>%n",
              x + 9, rateTop - 5 - k * 0, colour, x + 9, rateTop - 5, escape(s.phase())));
        }
      }
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static void frame(StringBuilder sb, int top, int plotW, String title) {
    sb.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n",
        LEFT, top, plotW, PANEL));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT, top - 6, escape(title)));
  }

  private static void gridLine(StringBuilder sb, double y, int plotW, String label) {
    sb.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
        LEFT, y, LEFT + plotW, y, LEFT - 4, y + 4, label));
  }

  private static String path(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value,
      String colour, double width, String dash, double maxT, int top, double logMin, double logMax,
      boolean log, double maxLinear) {
    StringBuilder d = new StringBuilder();
    int plotW = WIDTH - LEFT - RIGHT;
    boolean pen = false;
    for (Sample s : samples) {
      double v = value.applyAsDouble(s);
      double x = LEFT + s.seconds() / maxT * plotW;
      double y;
      if (log) {
        if (v <= 0) {
          pen = false;
          continue;
        }
        double l = Math.max(logMin, Math.min(logMax, Math.log10(v)));
        y = top + PANEL - (l - logMin) / (logMax - logMin) * PANEL;
      } else {
        y = top + PANEL - v / maxLinear * PANEL;
      }
      d.append(pen ? " L" : " M").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
      pen = true;
    }
    if (d.length() == 0) {
      return "";
    }
    return String.format(Locale.ROOT,
        "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n", d.toString().trim(),
        colour, width, dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"");
  }

  static String formatNumber(double v) {
    if (v >= 1_000_000) {
      return String.format(Locale.ROOT, "%.1fM", v / 1_000_000);
    }
    if (v >= 1000) {
      return String.format(Locale.ROOT, "%.0fk", v / 1000);
    }
    if (v >= 1) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
