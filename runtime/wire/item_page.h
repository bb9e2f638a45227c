// The flat encoding of a page of envelopes: what travels between workers for almost every item,
// and what snapshots hold.
//
// A page is one byte string inside a Cap'n Proto message (`page` in messages.capnp). Encoding an
// item as a Cap'n Proto struct tree cost ~200 bytes and ~450 ns a word-count item (list and struct
// pointers, zeroed segments, a struct per value and per local time); here an item is a few varints,
// its ack id and its payload's bytes, written and read in one pass.
//
//   page     := 0x00 version:u8 count:varint envelope*count      (version 1, written now)
//             | count:varint envelope*count                        (version 0, older encoders)
//   envelope := node:varint ack_id:u64le ts:varint front:varint flags:u8 trace_len:varint
//               (logical:varint child:varint)*trace_len value
//   value    := 0 (null) | 1 (false) | 2 (true) | 3 zigzag:varint | 4 f64le
//             | 5 len:varint bytes | 6 count:varint value*count
//
// In version 1 an envelope's ts is zigzag(ts - the previous envelope's ts), modulo 2^64 (the first
// envelope's previous is 0): a page's times lie close together, so one to three bytes instead of
// nine. Modular, so that every sequence of times encodes and every delta decodes to some time: no
// delta is out of range. A version-0 page begins with 0x00 only when it is empty (one byte), so
// the two forms cannot be mistaken; snapshots written before version 1 still decode.
//
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/wire/codec.h"

namespace flamestream::wire {

// Appends the page of `envelopes` to `out`.
void encode_page(const std::vector<Envelope>& envelopes, std::string& out);

// A page of items held in place, each with the node it goes into and ack id 0, written in parts
// (PageEncoder): room for its header and count first, then its envelopes, then the header and
// count put in the room (what is left of it removed). `previous_ts` carries the last envelope's
// time from one part to the next (0 for a new page). The bytes are encode_page()'s for the same
// envelopes.
inline constexpr std::size_t kPageCountRoom = 12;
void encode_envelopes(const std::vector<std::pair<NodeId, const Item*>>& items, std::string& out,
                      Timestamp& previous_ts);
void close_page(std::uint64_t count, std::string& page);

// Decodes a whole page of either version (trailing bytes are an error); throws WireError naming
// the problem.
std::vector<Envelope> decode_page(std::string_view bytes, const Limits& limits);

}  // namespace flamestream::wire
