// Payload values from their Cap'n Proto form (see value_codec.h for the invariants).
#include "runtime/wire/value_codec.h"

#include <utility>
#include <vector>

namespace flamestream::wire {

void DecodeBudget::charge(std::uint64_t words, const char* what) {
  if (words > words_)
    throw WireError(std::string("message decodes to more than it holds (aliased or zero-sized ") +
                    what + ")");
  words_ -= words;
}

Value decode_value(schema::Value::Reader in, const Limits& limits, DecodeBudget& budget,
                   std::size_t depth) {
  using W = schema::Value::Which;
  switch (in.which()) {
    case W::NULL_: return Value();
    case W::BOOLEAN: return Value(in.getBoolean());
    case W::INTEGER: return Value(in.getInteger());
    case W::REAL: return Value(in.getReal());
    case W::BYTES: {
      auto bytes = in.getBytes();
      budget.blob(bytes.size(), "string bytes");
      return Value(to_string(bytes));
    }
    case W::TUPLE: {
      if (depth >= limits.max_tuple_depth)
        throw WireError("tuples nested deeper than " + std::to_string(limits.max_tuple_depth));
      auto list = in.getTuple();
      budget.elements(list.size(), "tuple elements");
      Value::TupleBuilder elements(list.size());
      for (auto element : list) elements.add(decode_value(element, limits, budget, depth + 1));
      return elements.build();
    }
  }
  throw WireError("unknown value kind " + std::to_string(static_cast<unsigned>(in.which())));
}

}  // namespace flamestream::wire
