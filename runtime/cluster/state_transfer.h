// Moving committed grouping state to a tick's new owners (live re-partitioning, paper §3.5.1).
//
// A tick that continues another (same job, another hash mapping) starts from that one's last
// commit. Its workers own other key ranges now, so each asks every worker of the tick that wrote
// the snapshots (`state_tick`) for the entries of its snapshot whose key hashes fall in the
// asker's new ranges, and restores the union. Any worker process answers such a request from its
// data dir whatever it is doing — running a tick, waiting for one, or no longer in the mapping —
// so while workers wait for each other they keep serving each other. Invariant: a worker starts
// the new tick only with an answer from every worker of the state tick, or stops with the error
// one of them gave; it never runs on partial state.
#pragma once

#include <filesystem>
#include <vector>
#include <zmq.hpp>

#include "runtime/cluster/commit_record.h"
#include "runtime/engine/transport.h"
#include "runtime/wire/codec.h"

namespace flamestream {

// Answers a request from the snapshots in `data_dir` (errors go into the reply, named).
wire::StateReply serve_state_request(ZkClient& zk, const std::filesystem::path& data_dir,
                                     const wire::StateRequest& request);

// Takes what arrives at `transport` for up to `wait`: state requests, and tail requests of jobs
// that finished (FinishedSinks), are answered; anything else is kept in `backlog` for the next
// deployment run (bounded; beyond it, dropped).
void serve_while_waiting(ZkClient& zk, Transport& transport, const std::filesystem::path& data_dir,
                         std::chrono::milliseconds wait, std::vector<Transport::Incoming>& backlog);

// The committed entries of `record.state_tick`'s workers whose keys worker `self` of `tick` owns.
// Throws std::runtime_error naming the worker and its reason if one cannot answer.
std::vector<Envelope> pull_state(ZkClient& zk, zmq::context_t& context, Transport& transport,
                                 const std::filesystem::path& data_dir, const DeployedTick& tick,
                                 WorkerId self, const CommitRecord& record,
                                 std::vector<Transport::Incoming>& backlog);

}  // namespace flamestream
