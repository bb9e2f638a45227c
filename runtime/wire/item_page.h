// The flat encoding of a page of envelopes: what travels between workers for almost every item,
// and what snapshots hold.
//
// A page is one byte string inside a Cap'n Proto message (`page` in messages.capnp). Encoding an
// item as a Cap'n Proto struct tree cost ~200 bytes and ~450 ns a word-count item (list and struct
// pointers, zeroed segments, a struct per value and per local time); here an item is a few varints,
// its ack id and its payload's bytes, written and read in one pass.
//
//   page     := count:varint envelope*count
//   envelope := node:varint ack_id:u64le ts:varint front:varint flags:u8 trace_len:varint
//               (logical:varint child:varint)*trace_len value
//   value    := 0 (null) | 1 (false) | 2 (true) | 3 zigzag:varint | 4 f64le
//             | 5 len:varint bytes | 6 count:varint value*count
//
// decode_page() keeps codec.h's trust-boundary invariants: ids, trace length and tuple depth are
// checked against the Limits, every varint is at most ten bytes and in range for its field, and
// every decoded element (envelope, local time, tuple element) consumes at least one input byte, so a
// page decodes to at most a constant factor of its own size. Internal to runtime/wire.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/wire/codec.h"

namespace flamestream::wire {

// Appends the page of `envelopes` to `out`.
void encode_page(const std::vector<Envelope>& envelopes, std::string& out);

// A page of items held in place, each with the node it goes into and ack id 0, written in parts
// (PageEncoder): room for its count first, then its envelopes, then the count put in the room
// (what is left of it removed). The bytes are encode_page()'s for the same envelopes.
inline constexpr std::size_t kPageCountRoom = 10;
void encode_envelopes(const std::vector<std::pair<NodeId, const Item*>>& items, std::string& out);
void close_page(std::uint64_t count, std::string& page);

// Decodes a whole page (trailing bytes are an error); throws WireError naming the problem.
std::vector<Envelope> decode_page(std::string_view bytes, const Limits& limits);

}  // namespace flamestream::wire
