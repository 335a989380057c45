package dev.beacon.bench.metrics;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Moving histograms between processes and adding them up: a worker process sends its latencies as
 * HdrHistogram's compressed encoding in base64, and the coordinator merges them exactly (a merged
 * percentile is the percentile of all values, not an average of percentiles).
 */
public final class Histograms {

  private Histograms() {}

  public static String encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    byte[] out = new byte[n];
    buf.flip();
    buf.get(out);
    return Base64.getEncoder().encodeToString(out);
  }

  public static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(
          ByteBuffer.wrap(Base64.getDecoder().decode(base64)), LatencyRecorder.MAX_MICROS);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("not a compressed histogram: " + e.getMessage(), e);
    }
  }

  /** The sum of {@code parts}; an empty histogram if there are none. */
  public static Histogram merge(Collection<Histogram> parts) {
    Histogram out = LatencyRecorder.emptyHistogram();
    for (Histogram h : parts) {
      out.add(h);
    }
    return out;
  }
}
