# intake_options: sanitizer and fuzzing flags, linked PRIVATE by every target.
add_library(intake_options INTERFACE)
if(INTAKE_SANITIZE)
  target_compile_options(intake_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(intake_options INTERFACE -fsanitize=address,undefined)
endif()
if(INTAKE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "INTAKE_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  # Coverage instrumentation for libFuzzer in everything the fuzz targets link;
  # the fuzz targets themselves add -fsanitize=fuzzer for libFuzzer's main.
  target_compile_options(intake_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(intake_options INTERFACE -fsanitize=address,undefined)
endif()
