// The catalog's word count built as a job library, to measure what loading a job costs per item:
// graphs/wordcount.cpp and graphs/mapreduce.cpp are compiled into the library itself, and only the
// graph's name differs ("wordcount-lib"). experiments/jobs/compare.sh runs both.
#include "flamestream/job.h"
#include "graphs/catalog.h"

namespace {

flamestream::GraphSpec library_wordcount() {
  flamestream::GraphSpec spec = flamestream::wordcount_spec();
  spec.name = "wordcount-lib";
  return spec;
}

}  // namespace

FLAMESTREAM_JOB("wordcount-lib", library_wordcount())
