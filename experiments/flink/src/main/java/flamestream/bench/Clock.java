package flamestream.bench;

import java.time.Instant;

/** Wall-clock nanoseconds since the epoch (the clock FlameStream's fronts and fs_bench use). */
final class Clock {
  private static final long OFFSET;

  static {
    Instant now = Instant.now();
    long mono = System.nanoTime();
    OFFSET = now.getEpochSecond() * 1_000_000_000L + now.getNano() - mono;
  }

  private Clock() {}

  /** System.nanoTime() anchored once to the wall clock: cheap, monotonic, and in epoch nanoseconds. */
  static long wallNs() {
    return OFFSET + System.nanoTime();
  }
}
