# intake_warnings: the warning set every intake target links PRIVATE.
add_library(intake_warnings INTERFACE)
target_compile_options(intake_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-Wmisleading-indentation -Wduplicated-cond -Wlogical-op>)
if(INTAKE_WERROR)
  target_compile_options(intake_warnings INTERFACE -Werror)
endif()
