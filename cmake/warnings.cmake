# intake_warnings: the warning set every intake target links PRIVATE.
add_library(intake_warnings INTERFACE)
target_compile_options(intake_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-Wmisleading-indentation -Wduplicated-cond -Wlogical-op>)
# GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string operator+
# for code that does not overlap (GCC bug 105651); a false positive, so off
# for GCC 12 only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12 AND
   CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(intake_warnings INTERFACE -Wno-restrict)
endif()
if(INTAKE_WERROR)
  target_compile_options(intake_warnings INTERFACE -Werror)
endif()
