// The names of the metrics, in one place: the workers' Prometheus endpoints, `flamestream top`,
// `run --stats` and the research harness all speak of a figure by the same name.
#pragma once

namespace flamestream::metrics {

inline constexpr const char* kLinesIn = "flamestream_lines_in_total";
inline constexpr const char* kItemsIn = "flamestream_items_in_total";
inline constexpr const char* kItemsOut = "flamestream_items_out_total";
inline constexpr const char* kPagesIn = "flamestream_pages_in_total";
inline constexpr const char* kDroppedMessages = "flamestream_dropped_messages_total";
inline constexpr const char* kReplays = "flamestream_replays_total";
inline constexpr const char* kTombstones = "flamestream_tombstones_total";
inline constexpr const char* kBarrierArrived = "flamestream_barrier_arrived_total";
inline constexpr const char* kBarrierCancelled = "flamestream_barrier_cancelled_total";
inline constexpr const char* kBarrierReleased = "flamestream_barrier_released_total";
inline constexpr const char* kAckerDeltasSent = "flamestream_acker_deltas_sent_total";
inline constexpr const char* kAckerDeltasApplied = "flamestream_acker_deltas_applied_total";
inline constexpr const char* kCommits = "flamestream_commits_total";
inline constexpr const char* kFsyncs = "flamestream_fsyncs_total";
inline constexpr const char* kRecoveries = "flamestream_recoveries_total";
inline constexpr const char* kCommitSeconds = "flamestream_commit_seconds_total";
inline constexpr const char* kFsyncSeconds = "flamestream_fsync_seconds_total";
inline constexpr const char* kSinkBuffered = "flamestream_sink_buffered_items";
inline constexpr const char* kSinkBufferedPeak = "flamestream_sink_buffered_items_peak";
inline constexpr const char* kBytesSent = "flamestream_bytes_sent_total";
// `run --stats` only: what a run leaves behind, and the simulator's own figures.
inline constexpr const char* kGroupingKeys = "flamestream_grouping_keys";
inline constexpr const char* kSimMessages = "flamestream_sim_messages_total";
inline constexpr const char* kSimVirtualSeconds = "flamestream_sim_virtual_seconds";
inline constexpr const char* kLastCommittedEnd = "flamestream_last_committed_end_seconds";
inline constexpr const char* kOutboxItems = "flamestream_queue_outbox_items";
inline constexpr const char* kLocalMessages = "flamestream_queue_local_messages";
inline constexpr const char* kHeldAcks = "flamestream_queue_held_acks";
inline constexpr const char* kHeldFrontItems = "flamestream_queue_held_front_items";
inline constexpr const char* kLaterTickBytes = "flamestream_queue_later_tick_bytes";
inline constexpr const char* kGroupingEntries = "flamestream_grouping_entries";
inline constexpr const char* kTick = "flamestream_tick";
inline constexpr const char* kEpoch = "flamestream_epoch";
inline constexpr const char* kMinTimeLag = "flamestream_min_time_lag_seconds";
inline constexpr const char* kLastCommitSeconds = "flamestream_last_commit_seconds";

}  // namespace flamestream::metrics
