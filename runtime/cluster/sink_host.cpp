#include "runtime/cluster/sink_host.h"

#include "model/errors.h"
#include "runtime/cluster/sink_log.h"

namespace flamestream {

SinkHost::SinkHost(const Job& job, const Placement& placement, WorkerId self, OutputOf output_of)
    : job_(job), placement_(placement), self_(self), output_of_(std::move(output_of)) {}

void SinkHost::release(NodeId sink, const Item& item) {
  line_.clear();
  job_.format(item.payload, line_);
  output_of_(sink).release(item.meta, line_);
}

void SinkHost::on_min_time(Timestamp min_ts) {
  for (NodeId sink : job_.graph.sinks())
    if (placement_.hosts_instance(sink, self_)) output_of_(sink).flush();
  released_to_ = min_ts;
}

wire::TailReply SinkHost::tail(const wire::TailRequest& request) const {
  const wire::TailReply none{0, {}, true, {}, kInfinity};  // no such sink here: nothing will come
  NodeId sink = 0;
  try {
    sink = job_.graph.find(request.sink);
  } catch (const GraphError&) {
    return none;
  }
  if (!job_.graph.node(sink).is_sink() || !placement_.hosts_instance(sink, self_)) return none;
  return tail_reply(output_of_(sink), request.offset, finished_, released_to_);
}

}  // namespace flamestream
