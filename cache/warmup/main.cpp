// kiln-warmup: see src/warmup/warmup.hpp (the logic is in the library).
#include "warmup/warmup.hpp"

int main(int argc, char** argv) {
  return kiln::warmup::main(argc, argv);
}
