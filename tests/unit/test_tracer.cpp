// The trace: hash-consing (CSE), reference counting, capture order.
#include <gtest/gtest.h>

#include "graph/graph.hpp"
#include "graph/payload.hpp"
#include "graph/tracer.hpp"

using namespace kiln;
using namespace kiln::graph;

namespace {
Node* full(Tracer& t, float v, Dims shape = {}) {
  NodeDesc d;
  d.op = Op::Full;
  d.dtype = float32;
  d.shape = shape;
  d.payload.v[0] = to_bits(v);
  return t.record(d);
}
Node* binary(Tracer& t, Op op, Node* a, Node* b) {
  NodeDesc d;
  d.op = op;
  d.dtype = a->dtype;
  d.nargs = 2;
  d.args[0] = a;
  d.args[1] = b;
  d.shape = a->shape.rank() >= b->shape.rank() ? a->shape : b->shape;
  return t.record(d);
}
}  // namespace

TEST(Tracer, EqualOperationsShareOneNode) {
  Tracer t;
  Node* x = full(t, 1.f, {4});
  Node* y = full(t, 2.f, {4});
  Node* s1 = binary(t, Op::Add, x, y);
  Node* s2 = binary(t, Op::Add, x, y);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(t.cse_hits, 1u);
  Node* s3 = binary(t, Op::Add, y, x);  // operand order matters
  EXPECT_NE(s1, s3);
  Node* x2 = full(t, 1.f, {4});
  EXPECT_EQ(x, x2);
  for (Node* n : {x, y, s1, s2, s3, x2}) t.drop_handle(n);
  EXPECT_EQ(t.live_nodes(), 0u);
}

TEST(Tracer, NodesLiveWhileUsed) {
  Tracer t;
  Node* x = full(t, 1.f, {4});
  Node* y = binary(t, Op::Multiply, x, x);
  t.drop_handle(x);  // y still uses x
  EXPECT_EQ(t.live_nodes(), 2u);
  t.drop_handle(y);
  EXPECT_EQ(t.live_nodes(), 0u);
}

TEST(Tracer, LongChainsFreeWithoutRecursion) {
  Tracer t;
  Node* x = full(t, 1.f, {8});
  Node* one = full(t, 1.f);
  for (int i = 0; i < 200000; ++i) {
    Node* next = binary(t, Op::Add, x, one);
    t.drop_handle(x);
    x = next;
  }
  EXPECT_EQ(t.live_nodes(), 200002u);
  t.drop_handle(one);
  t.drop_handle(x);
  EXPECT_EQ(t.live_nodes(), 0u);
}

TEST(Tracer, AttachBufferCutsTheGraph) {
  Tracer t;
  Node* x = full(t, 1.f, {4});
  Node* y = binary(t, Op::Add, x, x);
  t.drop_handle(x);
  {
    std::lock_guard lock(t.mutex());
    t.attach_buffer(y, std::make_shared<Buffer>());
  }
  EXPECT_TRUE(y->evaluated());
  EXPECT_EQ(y->nargs, 0);
  EXPECT_EQ(t.live_nodes(), 1u);  // x went with the last use
  // An evaluated node leaves the CSE table: the same expression records afresh.
  Node* x2 = full(t, 1.f, {4});
  Node* y2 = binary(t, Op::Add, x2, x2);
  EXPECT_NE(y, y2);
  for (Node* n : {y, x2, y2}) t.drop_handle(n);
  EXPECT_EQ(t.live_nodes(), 0u);
}

TEST(Tracer, PendingHandlesInCreationOrder) {
  Tracer t;
  Node* a = full(t, 1.f, {2});
  Node* b = full(t, 2.f, {2});
  Node* c = binary(t, Op::Add, a, b);
  std::vector<Node*> pending;
  {
    std::lock_guard lock(t.mutex());
    pending = t.pending_handles();
  }
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0], a);
  EXPECT_EQ(pending[2], c);
  for (Node* n : pending) t.drop_ref(n);
  for (Node* n : {a, b, c}) t.drop_handle(n);
}

TEST(Capture, TopologicalAndDeterministic) {
  Tracer t;
  Node* x = full(t, 1.f, {3});
  Node* y = full(t, 2.f, {3});
  Node* s = binary(t, Op::Add, x, y);
  Node* p = binary(t, Op::Multiply, s, x);
  Node* targets[] = {p, s};
  Graph g;
  {
    std::lock_guard lock(t.mutex());
    g = capture(t, targets);
  }
  verify(g);
  ASSERT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(g.nodes[0].op, Op::Full);
  EXPECT_EQ(g.nodes[2].op, Op::Add);
  EXPECT_EQ(g.nodes[3].op, Op::Multiply);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[0], 3);
  EXPECT_EQ(g.outputs[1], 2);
  EXPECT_NE(to_text(g).find("add float32 (3,) %0 %1"), std::string::npos) << to_text(g);
  EXPECT_NE(to_dot(g).find("digraph"), std::string::npos);
  for (Node* n : {x, y, s, p}) t.drop_handle(n);
}

// The CSE table keeps a bounded number of operations: recording far more keeps recent equals
// shared, and freeing nodes it pushed out is safe. Leaves stay in it while they live, so a
// scalar recorded again after thousands of operations still shares its node.
TEST(Tracer, CseKeepsRecentOperationsAndEveryLiveLeaf) {
  Tracer t;
  Node* x = full(t, 1.f, {3});
  Node* half = full(t, 0.5f);
  std::vector<Node*> nodes;
  const int many = 20 * static_cast<int>(Tracer::cse_capacity());
  for (int i = 0; i < many; ++i) {
    Node* scalar = full(t, static_cast<float>(i) + 2.f);
    nodes.push_back(binary(t, Op::Multiply, x, scalar));
    t.drop_handle(scalar);
  }
  const uint64_t hits = t.cse_hits;
  Node* last = binary(t, Op::Multiply, x, nodes.back()->args[1]);
  EXPECT_EQ(last, nodes.back());
  Node* sum = binary(t, Op::Add, nodes.back(), half);
  EXPECT_EQ(binary(t, Op::Add, nodes.back(), half), sum);
  EXPECT_EQ(t.cse_hits, hits + 2);
  for (int i = 0; i < many; i += 997) {  // leaves: always shared
    Node* scalar = full(t, static_cast<float>(i) + 2.f);
    EXPECT_EQ(scalar, nodes[static_cast<size_t>(i)]->args[1]);
    t.drop_handle(scalar);
  }
  // Whether or not it still holds the oldest operation, recording it again gives an equal node.
  Node* first = binary(t, Op::Multiply, x, nodes.front()->args[1]);
  EXPECT_EQ(first->args[1], nodes.front()->args[1]);
  for (Node* n : nodes) t.drop_handle(n);
  for (Node* n : {x, half, last, sum, sum, first}) t.drop_handle(n);
  EXPECT_EQ(t.live_nodes(), 0u);
}

TEST(Tracer, GroupsComputedTogetherMergeAndLeave) {
  Tracer t;
  Node* x = full(t, 1.f, {4});
  Node* a = binary(t, Op::Add, x, x);
  Node* b = binary(t, Op::Multiply, x, x);
  Node* c = binary(t, Op::Subtract, x, x);
  auto members = [&](const Node* n) {
    std::lock_guard lock(t.mutex());
    return t.together_with(n).size();
  };
  auto any = [&] {
    std::lock_guard lock(t.mutex());
    return t.any_together();
  };
  EXPECT_FALSE(any());
  Node* ab[] = {a, b};
  t.compute_together(ab);
  Node* bc[] = {b, c};
  t.compute_together(bc);  // b is in both: one group
  EXPECT_TRUE(any());
  EXPECT_EQ(members(a), 3u);
  EXPECT_EQ(members(c), 3u);
  {
    std::lock_guard lock(t.mutex());
    t.attach_buffer(b, nullptr);  // evaluated: nothing left to compute with the others
  }
  EXPECT_FALSE(b->grouped);
  EXPECT_EQ(members(a), 2u);
  t.drop_handle(a);  // freed
  EXPECT_EQ(members(c), 1u);
  t.drop_handle(c);
  EXPECT_FALSE(any());
  Node* alone[] = {x, b};  // b is evaluated: a group of one is none
  t.compute_together(alone);
  EXPECT_FALSE(any());
  EXPECT_FALSE(x->grouped);
  for (Node* n : {x, b}) t.drop_handle(n);
  EXPECT_EQ(t.live_nodes(), 0u);
}
