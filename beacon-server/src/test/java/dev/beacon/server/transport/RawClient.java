package dev.beacon.server.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TCP client that speaks HTTP and WebSocket by hand, byte for byte, so a test can send what no
 * library sends (half a request, a frame of invalid UTF-8) and stop reading when it likes.
 */
final class RawClient implements AutoCloseable {

  final Socket socket;
  final InputStream in;
  final OutputStream out;
  /** Every byte read so far (not for the slow-consumer tests, which read without keeping). */
  final ByteArrayOutputStream received = new ByteArrayOutputStream();

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static RawClient connect(int port) throws IOException {
    return connect(port, 0);
  }

  /** @param receiveBuffer the socket's receive buffer (0: the system's default) */
  static RawClient connect(int port, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(15_000);
    return new RawClient(s);
  }

  /** Opens a WebSocket on {@code path} and returns once the 101 has been read. */
  static RawClient webSocket(int port, String path, int receiveBuffer) throws IOException {
    RawClient c = connect(port, receiveBuffer);
    c.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
        + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n\r\n");
    String head = c.readUntil("\r\n\r\n");
    if (!head.startsWith("HTTP/1.1 101")) {
      throw new IOException("no upgrade: " + head);
    }
    // keep what came after the head (the first frames may share its packet)
    byte[] all = c.received.toByteArray();
    int end = head.indexOf("\r\n\r\n") + 4;
    c.received.reset();
    c.received.write(all, end, all.length - end);
    return c;
  }

  void write(String ascii) throws IOException {
    write(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Sends one masked frame (as a client must) with the given first byte (FIN, opcode). */
  void frame(int first, byte[] payload) throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(first);
    int n = payload.length;
    if (n <= 125) {
      f.write(0x80 | n);
    } else if (n <= 0xFFFF) {
      f.write(0x80 | 126);
      f.write(n >>> 8);
      f.write(n);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) ((long) n >>> (8 * i)));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    f.write(mask, 0, 4);
    for (int i = 0; i < n; i++) {
      f.write(payload[i] ^ mask[i & 3]);
    }
    write(f.toByteArray());
  }

  void text(String text) throws IOException {
    frame(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads until {@code marker} has been received; returns everything read so far. */
  String readUntil(String marker) throws IOException {
    byte[] buf = new byte[8192];
    while (!received.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("closed before '" + marker + "'; read: " + received.toString(StandardCharsets.ISO_8859_1));
      }
      received.write(buf, 0, n);
    }
    return received.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * Reads until the server closes the connection (end of stream or reset) and returns how long
   * that took in milliseconds; fails if it is still open after {@code timeoutMillis}.
   */
  long millisUntilClosed(long timeoutMillis, boolean keep) throws IOException {
    long start = System.nanoTime();
    socket.setSoTimeout((int) timeoutMillis);
    byte[] buf = new byte[65536];
    try {
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        if (keep) {
          received.write(buf, 0, n);
        }
        if (System.nanoTime() - start > timeoutMillis * 1_000_000L) {
          throw new AssertionError("still open after " + timeoutMillis + " ms");
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + timeoutMillis + " ms", e);
    } catch (SocketException e) {
      // connection reset: closed too
    }
    return (System.nanoTime() - start) / 1_000_000L;
  }

  /**
   * Reads until a close frame has arrived (or the connection closed) and returns its code, or -1
   * if the connection closed without one; fails after {@code timeoutMillis}.
   */
  int awaitCloseCode(long timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    byte[] buf = new byte[8192];
    while (closeCode() < 0) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw new AssertionError("no close frame within " + timeoutMillis + " ms");
      }
      socket.setSoTimeout((int) left);
      int n;
      try {
        n = in.read(buf);
      } catch (SocketException e) {
        return -1;
      }
      if (n < 0) {
        return closeCode();
      }
      received.write(buf, 0, n);
    }
    return closeCode();
  }

  /** The close code of the first close frame among what was received, or -1. */
  int closeCode() {
    byte[] b = received.toByteArray();
    int i = 0;
    while (i + 2 <= b.length) {
      int opcode = b[i] & 0x0F;
      int len = b[i + 1] & 0x7F;
      int at = i + 2;
      if (len == 126) {
        len = ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
        at += 2;
      } else if (len == 127) {
        len = 0;
        for (int k = 0; k < 8; k++) {
          len = (len << 8) | (b[at + k] & 0xFF);
        }
        at += 8;
      }
      if (opcode == 8) {
        return len >= 2 ? ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF) : 1005;
      }
      i = at + len;
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
