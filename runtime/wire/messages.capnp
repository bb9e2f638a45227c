# Wire schema of every message between workers, and between clients and workers.
#
# One Message per transport frame. The body union starts with `none`, which no encoder ever writes,
# so an all-zero (default or truncated) root decodes as "no body" and is rejected instead of being
# taken for an empty item batch. Fields are only ever appended; ordinals never change meaning.
@0xf19b6aedb45b5dcc;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("flamestream::wire::schema");

# A payload value. Strings travel as bytes: a value string may hold any bytes, NULs included.
struct Value {
  union {
    null @0 :Void;
    boolean @1 :Bool;
    integer @2 :Int64;
    real @3 :Float64;
    bytes @4 :Data;
    tuple @5 :List(Value);
  }
}

struct LocalTime {
  logical @0 :UInt32;
  child @1 :UInt32;
}

# An item on its way into `node`, with the acker id of this hop.
struct Envelope {
  node @0 :UInt32;
  ackId @1 :UInt64;
  ts @2 :UInt64;        # global time: timestamp ...
  front @3 :UInt32;     # ... and the front (node id) that assigned it
  trace @4 :List(LocalTime);
  tombstone @5 :Bool;
  payload @6 :Value;
}

struct AckDelta {
  struct Slot {
    slotTs @0 :UInt64;
    xorIds @1 :UInt64;
  }
  struct Report {
    front @0 :UInt32;
    nextTs @1 :UInt64;
  }
  slots @0 :List(Slot);
  reports @1 :List(Report);
}

struct Ingest {
  front @0 :Text;
  seq @1 :UInt64;       # input sequence number of lines[0]
  lines @2 :List(Data);
  close @3 :Bool;       # no more input for this front after these lines
  bind @4 :Bool;        # bind the front to this client's times (the ack says from which on)
  firstTs @5 :UInt64;   # bound: the time of lines[0]
  promise @6 :UInt64;   # bound: after these lines, none below this comes to this front
  firstLine @7 :UInt64; # the input's number of lines[0], for error messages (0: seq)
  stride @8 :UInt64;    # line i's time is firstTs + i * stride, its number firstLine + i * stride
}

struct IngestAck {
  seq @0 :UInt64;
  accepted @1 :UInt64;
  error @2 :Text;       # empty when every line was accepted
  retry @3 :Bool;       # nothing taken: the job is recovering, send again from seq
  nextTs @4 :UInt64;    # to a bind: the lowest time the client may give this front
  slotWidth @5 :UInt64; # to a bind: timestamps per ack-table slot (a promise closes whole slots)
}

struct TailRequest {
  sink @0 :Text;
  offset @1 :UInt64;
}

struct TailReply {
  offset @0 :UInt64;
  lines @1 :List(Data);
  done @2 :Bool;
  keys @3 :List(Data);  # each line's order key (OutputLog::order_key)
  releasedTo @4 :UInt64;  # every line of this instance below this time is at or before the last
}

# Acker -> every worker: persist what belongs before `end`; `committed` is durable in ZooKeeper.
struct Commit {
  end @0 :UInt64;
  committed @1 :UInt64;
}

# A front's determinant at a commit: the next input line it expects; for a partition of a Kafka
# front, the offset of the next record and the lines of it already taken.
struct FrontDeterminant {
  front @0 :UInt32;
  nextSeq @1 :UInt64;
  partition @2 :UInt32;  # the partition + 1; 0: an ordinary front
  skip @3 :UInt32;       # lines of the record at nextSeq below the commit end
  floor @4 :UInt64;      # the time the line there is stamped at least (the line before + spacing)
}

# Worker -> acker: everything before `end` is durable here.
struct CommitAck {
  end @0 :UInt64;
  snapshot @1 :Text;    # the snapshot file written, empty when the worker holds no grouping
  fronts @2 :List(FrontDeterminant);
}

# Rescaling: a worker of a new tick asks a worker of the tick that holds the committed state for
# the grouping entries of its snapshot at `end` whose key hashes fall in `ranges`.
struct StateRequest {
  struct Range {
    from @0 :UInt32;
    to @1 :UInt32;      # inclusive
  }
  stateTick @0 :Text;   # the tick node whose workers wrote the snapshots
  end @1 :UInt64;
  ranges @2 :List(Range);
}

struct StateReply {
  end @0 :UInt64;
  items @1 :List(Envelope);  # older encoders; newer ones write `page`
  error @2 :Text;       # empty on success
  page @3 :Data;        # the items as a flat page (runtime/wire/item_page.h)
}

struct Message {
  tick @0 :UInt64;
  sender @1 :UInt32;
  body :union {
    none @2 :Void;              # never written: a message without a body is malformed
    items @3 :List(Envelope);   # a page of items, from older encoders (and older snapshots)
    ackDelta @4 :AckDelta;      # worker -> acker
    minTime @5 :UInt64;         # acker -> every worker
    ingest @6 :Ingest;          # client -> the front's worker
    ingestAck @7 :IngestAck;    # worker -> client
    tailRequest @8 :TailRequest;  # client -> the sink's worker
    tailReply @9 :TailReply;    # worker -> client
    stop @10 :Void;             # control: shut the worker down
    commit @12 :Commit;         # acker -> every worker
    commitAck @13 :CommitAck;   # worker -> acker
    stateRequest @14 :StateRequest;  # new tick's worker -> old tick's worker
    stateReply @15 :StateReply;
    page @16 :Data;             # worker -> worker: a page of items, flat (runtime/wire/item_page.h)
    fronts @17 :UInt64;         # worker -> every worker: its fronts' progress (codec.h FrontProgress)
  }
  epoch @11 :UInt64;            # recovery epoch of worker-to-worker messages; clients send 0
}
