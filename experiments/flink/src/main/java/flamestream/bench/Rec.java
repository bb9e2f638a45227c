package flamestream.bench;

/**
 * One record of the job: the input word (or line, before tokenization), its position in the input
 * sequence, the wall time it was due to be offered (ns since the epoch), and the count once counted.
 * A Flink POJO (public fields, no-argument constructor), so Flink serializes it without Kryo.
 */
public class Rec {
  public long index;
  public long due;
  public String word;
  public long count;

  public Rec() {}

  public Rec(long index, long due, String word, long count) {
    this.index = index;
    this.due = due;
    this.word = word;
    this.count = count;
  }
}
