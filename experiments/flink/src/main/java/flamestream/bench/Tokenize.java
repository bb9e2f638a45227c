package flamestream.bench;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * graphs/wordcount.cpp's tokenization: a word is a maximal run of ASCII letters and digits,
 * lowercased. Every word of a line keeps the line's index and due time.
 */
public class Tokenize implements FlatMapFunction<Rec, Rec> {
  static boolean isWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  @Override
  public void flatMap(Rec line, Collector<Rec> out) {
    final String s = line.word;
    StringBuilder word = new StringBuilder();
    for (int k = 0; k < s.length(); ++k) {
      char c = s.charAt(k);
      if (isWordChar(c)) {
        word.append(c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c);
      } else if (word.length() > 0) {
        out.collect(new Rec(line.index, line.due, word.toString(), 0));
        word.setLength(0);
      }
    }
    if (word.length() > 0) out.collect(new Rec(line.index, line.due, word.toString(), 0));
  }
}
