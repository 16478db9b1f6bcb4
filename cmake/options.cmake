# Build switches, one place.
option(INTAKE_BUILD_TESTS "Build the test suite" ON)
option(INTAKE_BUILD_BENCH "Build the benchmarks in bench/" OFF)
option(INTAKE_WERROR "Treat warnings as errors (CI turns this on)" OFF)
option(INTAKE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(INTAKE_FUZZ "Build libFuzzer targets (needs clang)" OFF)
option(INTAKE_PARSERS_ONLY "Configure only parsers/, the pure part of daemon/ and the parser tests (the fuzz build)" OFF)
set(INTAKE_FUZZ_RUNS 200000 CACHE STRING "Runs of each fuzz test (fixed seed), divided by the target's COST (tests/fuzz/CMakeLists.txt)")
