// kiln::compile: signatures, the trace that captures a plan, and its replay.
//
// A trace runs the body once as an ordinary call and evaluates its outputs in one sync, which
// hands back the plan it ran and, by position in the walk of the graph, what it read: evaluated
// leaves (buffers) and scalar (Full) nodes. To replay, each of those positions must be bound
// to something the call knows without running the body:
// - a leaf is one of the array arguments (by identity), or an array read from outside (kept);
// - a scalar is a constant, a C++ scalar argument converted to the node's dtype, the random
//   generator's seed, or one of its stream numbers plus a fixed offset.
// Constants and variables look alike in one trace, so when the body has scalar arguments or
// draws random numbers it is traced a second time with the arguments nudged (within the class
// of values the optimizer tells apart: scalar_class) and the generator moved; that trace is
// only read, never run. The positions whose values moved are classified against the nudges;
// one that fits none (an argument that went through C++ arithmetic) makes the arguments part
// of the signature instead. A graph whose structure changed with the nudges is the same case.
#include "kiln/compile.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <mutex>
#include <string>

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "graph/payload.hpp"
#include "kiln/error.hpp"
#include "runtime/captured_call.hpp"

namespace kiln::detail {

namespace {

using runtime::CallProbe;
using runtime::CapturedPlan;
using runtime::Context;

// How a scalar argument enters the signature: its kind and class; `fixed` ones (bools,
// complex numbers, the values the optimizer specialises on) by value too.
struct ScalarArgKey {
  Scalar::Kind kind = Scalar::Kind::int_;
  uint8_t value_class = 0;
  bool fixed = false;
  uint64_t bits = 0;
  friend bool operator==(const ScalarArgKey&, const ScalarArgKey&) = default;
};

uint64_t raw_bits(const Scalar& s) {
  return s.kind == Scalar::Kind::float_ ? std::bit_cast<uint64_t>(s.f) : static_cast<uint64_t>(s.i);
}

ScalarArgKey key_of(const Scalar& s) {
  ScalarArgKey k;
  k.kind = s.kind;
  k.bits = raw_bits(s);
  graph::ScalarClass c = graph::ScalarClass::other;
  if (s.kind == Scalar::Kind::float_)
    c = graph::scalar_class(DType::float64, k.bits);
  else if (s.kind == Scalar::Kind::int_ && !s.unsigned_overflow)
    c = graph::scalar_class(DType::int64, k.bits);
  else
    k.fixed = true;  // bools, complex numbers, unsigned values past int64
  k.value_class = static_cast<uint8_t>(c);
  k.fixed |= c != graph::ScalarClass::other;
  if (s.kind == Scalar::Kind::complex_) k.bits ^= std::bit_cast<uint64_t>(s.imag) * 31;
  return k;
}

// A nudged value of a variable scalar argument, in the same class (never 0, +-1, 2, 0.5 or a
// power of two), different for each argument.
Scalar nudged(const Scalar& s, size_t index) {
  Scalar t = s;
  for (int attempt = 1; attempt < 64; ++attempt) {
    if (s.kind == Scalar::Kind::float_) {
      t.f = s.f * (1.0 - std::ldexp(static_cast<double>(index + 1) * attempt, -9)) +
            (s.f == 0 ? 0.37 : 0.0);
      if (!std::isfinite(t.f)) t.f = s.f * 0.75;
    } else {
      const int64_t step = static_cast<int64_t>(index + 1) * attempt;
      t.i = s.i > 0 ? s.i - step : s.i + step;  // toward zero: stays in range
    }
    if (raw_bits(t) != raw_bits(s) && key_of(t).value_class == key_of(s).value_class) return t;
  }
  return s;
}

// One way a walk position is bound at a replay.
struct Slot {
  enum class Kind : uint8_t { input, held, argument, seed, stream };
  Kind kind = Kind::input;
  int32_t position = 0;
  int32_t index = 0;  // input, held array or argument
  DType dtype = DType::float32;
  uint64_t offset = 0;  // stream: added to the first stream number of the call
};

// Where each output comes from.
struct OutputSource {
  enum class Kind : uint8_t { plan, input, held };
  Kind kind = Kind::plan;
  int32_t index = 0;
};

// What one signature replays.
struct Entry {
  std::vector<int64_t> input_key;
  std::vector<ScalarArgKey> scalar_keys;
  bool replay = false;  // false: every call runs the body (why logged at the trace)
  std::shared_ptr<const CapturedPlan> plan;
  std::vector<uint64_t> scalars;  // each position's value at the trace (constants stay)
  std::vector<Slot> data_slots, scalar_slots;
  std::vector<Array> held;              // arrays read from outside, or made by the body
  std::vector<char> held_from_outside;  // a handle other than ours held it at the trace
  std::vector<OutputSource> outputs;
  std::vector<DType> plan_dtypes;  // the plan's outputs
  std::vector<graph::Dims> plan_shapes;
  uint64_t streams = 0;  // drawn per call
  bool seed_was_zero = false;
  graph::SourceLoc site;  // the function's first output's recording site
};

void append_input_key(std::span<const Array> inputs, std::vector<int64_t>& key) {
  key.clear();
  for (size_t j = 0; j < inputs.size(); ++j) {
    const graph::Node* n = inputs[j].node();
    int64_t same = 0;  // 1 + the first earlier argument that is the same array
    for (size_t k = 0; k < j && same == 0; ++k)
      if (inputs[k].node() == n) same = static_cast<int64_t>(k) + 1;
    key.push_back(static_cast<int64_t>(n->dtype) | int64_t{n->device} << 8 |
                  int64_t{n->shape.rank()} << 16 | same << 24);
    key.insert(key.end(), n->shape.begin(), n->shape.end());
  }
}

std::string signature_text(std::span<const Array> inputs, std::span<const Scalar> scalars) {
  std::string s = "(";
  for (const Array& a : inputs) {
    if (s.size() > 1) s += ", ";
    s += std::string(dtype_name(a.dtype())) + shape_text(a.shape());
  }
  for (const Scalar& c : scalars) {
    if (s.size() > 1) s += ", ";
    s += c.kind == Scalar::Kind::float_ ? "float" : c.kind == Scalar::Kind::int_ ? "int" : "scalar";
  }
  return s + ")";
}

// Arrays for the handle references a probe took.
std::vector<Array> adopt(std::vector<graph::Node*>& nodes) {
  std::vector<Array> out(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i]) out[i] = Array(nodes[i]);
  return out;
}

// The distinct unevaluated nodes of `outs` (the sync's targets).
std::vector<graph::Node*> pending_of(const std::vector<Array>& outs) {
  std::vector<graph::Node*> targets;
  for (const Array& a : outs)
    if (!a.node()->evaluated() &&
        std::find(targets.begin(), targets.end(), a.node()) == targets.end())
      targets.push_back(a.node());
  return targets;
}

}  // namespace

struct CompiledFunction::State {
  graph::SourceLoc where;
  mutable std::mutex mutex;  // guards entries
  std::vector<std::shared_ptr<const Entry>> entries;

  std::vector<Array> run_body(BodyRef body, std::span<const Array> inputs,
                              std::span<const Scalar> scalars) {
    Context& ctx = context();
    Context::AutoEvalPause pause(ctx);
    Context::TracingGuard guard(ctx);
    std::vector<Array> outs = body.run(body.object, inputs, scalars);
    for (const Array& a : outs) node_of(a, "compile", where);  // each a valid array
    return outs;
  }

  std::vector<Array> trace(std::span<const Array> inputs, std::span<const Scalar> scalars,
                           BodyRef body, const std::vector<int64_t>& input_key, const char* reason);
  bool classify(Entry& e, const CallProbe& first, std::span<const Array> inputs,
                std::span<const Scalar> scalars, BodyRef body, uint64_t seed0, uint64_t stream0,
                uint64_t seed1, uint64_t stream1, std::string& why);
  std::vector<Array> replay(const Entry& e, std::span<const Array> inputs,
                            std::span<const Scalar> scalars);
};

CompiledFunction::CompiledFunction(std::source_location where) : state_(std::make_unique<State>()) {
  state_->where = to_loc(where);
}

CompiledFunction::~CompiledFunction() = default;

size_t CompiledFunction::signatures() const {
  std::lock_guard lock(state_->mutex);
  return state_->entries.size();
}

std::vector<Array> CompiledFunction::call(std::span<const Array> inputs,
                                          std::span<const Scalar> scalars, BodyRef body) {
  State& st = *state_;
  // The plan reads buffers: arguments still pending are evaluated first, in one sync.
  std::vector<graph::Node*> pending;  // (allocates only when there are some)
  for (const Array& a : inputs)
    if (graph::Node* n = node_of(a, "compile", st.where); !n->evaluated()) pending.push_back(n);
  if (!pending.empty()) context().evaluate(pending);
  std::vector<int64_t> key;
  key.reserve(inputs.size() * 3);
  append_input_key(inputs, key);
  std::shared_ptr<const Entry> found;
  {
    std::lock_guard lock(st.mutex);
    for (const auto& e : st.entries) {
      if (e->input_key != key || e->scalar_keys.size() != scalars.size()) continue;
      bool same = true;
      for (size_t i = 0; i < scalars.size() && same; ++i) {
        const ScalarArgKey k = key_of(scalars[i]);
        const ScalarArgKey& t = e->scalar_keys[i];
        same = k.kind == t.kind && k.value_class == t.value_class && (!t.fixed || k.bits == t.bits);
      }
      if (same) {
        found = e;
        break;
      }
    }
  }
  if (!found)
    return st.trace(inputs, scalars, body, key,
                    st.entries.empty() ? "first call" : "new signature");
  if (!found->replay) {
    context().count_compiled_trace();
    std::vector<Array> outs = body.run(body.object, inputs, scalars);
    std::vector<graph::Node*> nodes;
    for (const Array& a : outs) nodes.push_back(node_of(a, "compile", st.where));
    context().evaluate(nodes);
    return outs;
  }
  for (size_t k = 0; k < found->held.size(); ++k)
    if (found->held_from_outside[k] &&
        found->held[k].node()->handles.load(std::memory_order_relaxed) == 1)
      return st.trace(inputs, scalars, body, key, "an array it reads from outside was rebound");
  if (found->streams > 0 && (context().random_state().first == 0) != found->seed_was_zero)
    return st.trace(inputs, scalars, body, key, "the random generator was seeded anew");
  return st.replay(*found, inputs, scalars);
}

std::vector<Array> CompiledFunction::State::replay(const Entry& e, std::span<const Array> inputs,
                                                   std::span<const Scalar> scalars) {
  Context& ctx = context();
  std::vector<Array> outs(e.outputs.size());
  if (e.plan) {
    // Each position's binding: small graphs on the stack.
    constexpr size_t kInline = 64;
    std::pair<int32_t, graph::Node*> data_inline[kInline];
    std::pair<int32_t, uint64_t> scalar_inline[kInline];
    std::vector<std::pair<int32_t, graph::Node*>> data_more;
    std::vector<std::pair<int32_t, uint64_t>> scalar_more;
    auto* data = data_inline;
    auto* values = scalar_inline;
    if (e.data_slots.size() > kInline) {
      data_more.resize(e.data_slots.size());
      data = data_more.data();
    }
    if (e.scalar_slots.size() > kInline) {
      scalar_more.resize(e.scalar_slots.size());
      values = scalar_more.data();
    }
    for (size_t i = 0; i < e.data_slots.size(); ++i) {
      const Slot& s = e.data_slots[i];
      data[i] = {s.position,
                 s.kind == Slot::Kind::input ? inputs[s.index].node() : e.held[s.index].node()};
    }
    uint64_t seed = 0, first_stream = 0;
    if (e.streams > 0) std::tie(seed, first_stream) = ctx.take_random_streams(e.streams);
    for (size_t i = 0; i < e.scalar_slots.size(); ++i) {
      const Slot& s = e.scalar_slots[i];
      uint64_t bits = 0;
      switch (s.kind) {
        case Slot::Kind::argument:
          bits = scalar_bits(scalars[s.index], s.dtype, "compile", e.site);
          break;
        case Slot::Kind::seed:
          bits = seed;
          break;
        case Slot::Kind::stream:
          bits = first_stream + s.offset;
          break;
        default:
          break;
      }
      values[i] = {s.position, bits};
    }
    std::vector<std::shared_ptr<graph::Buffer>> results;
    ctx.replay(*e.plan, {data, e.data_slots.size()}, {values, e.scalar_slots.size()}, e.scalars,
               e.site, results);
    for (size_t k = 0; k < e.outputs.size(); ++k) {
      const OutputSource& o = e.outputs[k];
      if (o.kind != OutputSource::Kind::plan || outs[k].valid()) continue;
      outs[k] = Array(ctx.tracer().record_data(std::move(results[o.index]), e.plan_dtypes[o.index],
                                               e.plan_shapes[o.index], e.site, e.plan->device));
      // (two outputs of one plan output share the first one's array)
      for (size_t j = k + 1; j < e.outputs.size(); ++j)
        if (e.outputs[j].kind == OutputSource::Kind::plan && e.outputs[j].index == o.index)
          outs[j] = outs[k];
    }
  }
  for (size_t k = 0; k < e.outputs.size(); ++k) {
    const OutputSource& o = e.outputs[k];
    if (o.kind == OutputSource::Kind::input) outs[k] = inputs[o.index];
    if (o.kind == OutputSource::Kind::held) outs[k] = e.held[o.index];
  }
  return outs;
}

std::vector<Array> CompiledFunction::State::trace(std::span<const Array> inputs,
                                                  std::span<const Scalar> scalars, BodyRef body,
                                                  const std::vector<int64_t>& input_key,
                                                  const char* reason) {
  Context& ctx = context();
  ctx.count_compiled_trace();
  // Arrays pending outside the function become data first, so that the plan reads them as
  // inputs (and a rebinding of one can be seen) instead of recomputing their history.
  ctx.evaluate_all();
  const auto [seed0, stream0] = ctx.random_state();
  std::vector<Array> outs = run_body(body, inputs, scalars);
  const auto [seed1, stream1] = ctx.random_state();

  auto e = std::make_shared<Entry>();
  e->input_key = input_key;
  for (const Scalar& s : scalars) e->scalar_keys.push_back(key_of(s));
  e->site = outs.empty() ? where : outs[0].node()->loc;
  std::string why;
  bool retrace_later = false;  // not stored: the next call traces again

  std::vector<graph::Node*> targets = pending_of(outs);
  CallProbe first;
  if (!targets.empty()) {
    e->plan = ctx.evaluate_captured(targets, first);
    if (!e->plan) why = first.why;
  }
  std::vector<Array> read = adopt(first.data);
  e->replay = why.empty();
  if (e->replay && seed1 != seed0) {
    e->replay = false;
    why = "it seeds the random generator";
  }
  // Positions of evaluated leaves: arguments or held arrays.
  auto held_index = [&](graph::Node* n) {
    for (size_t k = 0; k < e->held.size(); ++k)
      if (e->held[k].node() == n) return static_cast<int32_t>(k);
    graph::Tracer::add_handle(n);
    e->held.emplace_back(n);
    return static_cast<int32_t>(e->held.size() - 1);
  };
  auto input_index = [&](const graph::Node* n) {
    for (size_t j = 0; j < inputs.size(); ++j)
      if (inputs[j].node() == n) return static_cast<int32_t>(j);
    return int32_t{-1};
  };
  if (e->replay && e->plan) {
    for (size_t i = 0; i < first.data.size(); ++i) {
      graph::Node* n = read[i].node();
      if (!n) continue;
      Slot s;
      s.position = static_cast<int32_t>(i);
      s.index = input_index(n);
      if (s.index < 0) {
        s.kind = Slot::Kind::held;
        s.index = held_index(n);
      }
      e->data_slots.push_back(s);
    }
    e->scalars = first.scalars;
    if (!classify(*e, first, inputs, scalars, body, seed0, stream0, seed1, stream1, why)) {
      e->replay = false;
      retrace_later = true;  // (a later call, at other stream numbers, may tell them apart)
    }
  }
  // Outputs: the plan's targets, arguments returned as they are, or held arrays.
  for (const Array& a : outs) {
    graph::Node* n = a.node();
    OutputSource o;
    const auto t = std::find(targets.begin(), targets.end(), n);
    if (t != targets.end()) {
      o.index = static_cast<int32_t>(t - targets.begin());
    } else if ((o.index = input_index(n)) >= 0) {
      o.kind = OutputSource::Kind::input;
    } else {
      o.kind = OutputSource::Kind::held;
      o.index = held_index(n);
    }
    e->outputs.push_back(o);
  }
  for (graph::Node* n : targets) {
    e->plan_dtypes.push_back(n->dtype);
    e->plan_shapes.push_back(n->shape);
  }
  // Which held arrays someone outside holds (their handles, less ours, the outputs' and the
  // probe's); one that only we hold later was rebound.
  read.clear();
  for (const Array& h : e->held) {
    uint32_t others = h.node()->handles.load() - 1;
    for (const Array& a : outs) others -= a.node() == h.node();
    e->held_from_outside.push_back(others > 0);
  }
  e->streams = stream1 - stream0;
  e->seed_was_zero = seed0 == 0;
  const bool store = !retrace_later;
  if (context().options().log)
    std::fprintf(stderr, "kiln: compile traced %s (%s) at %s:%u%s%s\n",
                 signature_text(inputs, scalars).c_str(), reason, where.file, where.line,
                 e->replay ? ""
                 : store   ? "; not captured, runs as an ordinary call: "
                           : "; not captured this time: ",
                 e->replay ? "" : why.c_str());
  if (store) {
    std::lock_guard lock(mutex);
    auto same = std::find_if(entries.begin(), entries.end(), [&](const auto& x) {
      return x->input_key == e->input_key && x->scalar_keys == e->scalar_keys;
    });
    if (same != entries.end())
      *same = std::move(e);
    else
      entries.push_back(std::move(e));
  }
  return outs;
}

// Classifies the scalar positions of `e` (constants, arguments, seed, streams) by a second,
// probed trace; false (with `why`) when they cannot be told apart. May make the scalar
// arguments fixed (part of the signature).
bool CompiledFunction::State::classify(Entry& e, const CallProbe& first,
                                       std::span<const Array> inputs,
                                       std::span<const Scalar> scalars, BodyRef body,
                                       uint64_t seed0, uint64_t stream0, uint64_t seed1,
                                       uint64_t stream1, std::string& why) {
  Context& ctx = context();
  const bool random = stream1 != stream0;
  bool variable = false;
  for (const ScalarArgKey& k : e.scalar_keys) variable |= !k.fixed;
  const bool relocatable = e.plan->plan->relocatable;
  // Attempt 0 nudges the variable arguments (and moves the generator); attempt 1 keeps them.
  for (int attempt = variable ? 0 : 1; attempt < 2; ++attempt) {
    const bool nudge = attempt == 0;
    if (!random && !nudge) {  // nothing varies: every scalar is a constant of this signature
      for (ScalarArgKey& k : e.scalar_keys) k.fixed = true;
      e.scalar_slots.clear();
      return true;
    }
    if (!relocatable && (random || nudge)) continue;  // a plan made for these values only
    std::vector<Scalar> second(scalars.begin(), scalars.end());
    if (nudge)
      for (size_t i = 0; i < second.size(); ++i)
        if (!e.scalar_keys[i].fixed) second[i] = nudged(scalars[i], i);
    const uint64_t seed2 = seed0 == 0 ? 0 : seed0 ^ 0x9E3779B97F4A7C15ull;
    const uint64_t stream2 = stream0 + (uint64_t{1} << 40);
    CallProbe probe;
    bool traced = false;
    try {
      if (random) ctx.set_random_state(seed2, stream2);
      std::vector<Array> outs = run_body(body, inputs, second);
      if (random) ctx.set_random_state(seed1, stream1);
      std::vector<graph::Node*> targets = pending_of(outs);
      ctx.probe_call(targets, probe);
      adopt(probe.data);
      traced = probe.capturable && probe.signature == first.signature;
    } catch (const kiln::Error&) {
      if (random) ctx.set_random_state(seed1, stream1);
    }
    if (!traced) continue;
    e.scalar_slots.clear();
    bool all = true;
    for (size_t i = 0; i < first.scalars.size() && all; ++i) {
      if (!first.is_scalar[i] || first.scalars[i] == probe.scalars[i]) continue;
      const uint64_t a = first.scalars[i], b = probe.scalars[i];
      Slot s;
      s.position = static_cast<int32_t>(i);
      s.dtype = first.dtypes[i];
      bool known = false;
      for (size_t j = 0; j < scalars.size() && !known && nudge; ++j) {
        if (e.scalar_keys[j].fixed) continue;
        try {
          known = scalar_bits(scalars[j], s.dtype, "compile", where) == a &&
                  scalar_bits(second[j], s.dtype, "compile", where) == b;
        } catch (const kiln::Error&) {
        }
        if (known) {
          s.kind = Slot::Kind::argument;
          s.index = static_cast<int32_t>(j);
        }
      }
      if (!known && random && a == seed0 && b == seed2) {
        known = true;
        s.kind = Slot::Kind::seed;
      }
      if (!known && random && a - stream0 == b - stream2) {
        known = true;
        s.kind = Slot::Kind::stream;
        s.offset = a - stream0;
      }
      if (known)
        e.scalar_slots.push_back(s);
      else
        all = false;
    }
    if (!all) continue;
    if (!nudge)
      for (ScalarArgKey& k : e.scalar_keys) k.fixed = true;
    return true;
  }
  if (!random) {  // the arguments become part of the signature; all is constant
    for (ScalarArgKey& k : e.scalar_keys) k.fixed = true;
    e.scalar_slots.clear();
    return true;
  }
  why = "its random draws could not be told apart from its constants";
  return false;
}

}  // namespace kiln::detail
