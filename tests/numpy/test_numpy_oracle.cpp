#include "helpers.hpp"
TEST(Numpy, Placeholder) {}
