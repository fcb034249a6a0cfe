// toml++'s implementation, compiled into the config fuzz target so the parser itself is
// instrumented for coverage and checked by the sanitizers (Debian ships it as a shared library,
// built without either). distributest_fuzz_core does not link that library at all.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
