// The command line of the benchmark's Flink jobs: --key value pairs, nothing else. A malformed one
// goes to the job's usage (which exits).
package flamestream.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

final class Args {
  private Args() {}

  static Map<String, String> parse(String[] argv, Consumer<String> usage) {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i < argv.length; ++i) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) usage.accept("bad argument " + argv[i]);
      a.put(argv[i].substring(2), argv[++i]);
    }
    return a;
  }
}
